import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PeerState } from "../../shared/core/room/index.ts";
import { Limits } from "../../shared/protocol/index.ts";
import { call, claimedRoom, newMachine, SECRET, share } from "./api-test-kit.ts";
import { batch, mid, WsClient } from "./ws-test-kit.ts";

async function setup() {
  const m = await newMachine();
  const room = await claimedRoom(m.bridge.token);
  return { ...m, room };
}

describe("fencing", () => {
  it("higher, equal and lower epochs, also across a restart of the object", async () => {
    const { room, bridge } = await setup();
    const e1 = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    const e1b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    expect(await e1.closed).toEqual({ code: 1000, reason: "replaced" });
    await evictDurableObject(env.ROOM.getByName(room), { webSockets: "close" });
    await e1b.closed;
    const e2 = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 2 });
    const zombie = await WsClient.open(room, bridge.token);
    zombie.send({ t: "hello", v: 2, cid: "bridge-cid-1", epoch: 1 });
    expect(await zombie.next("error")).toMatchObject({ code: "fenced" });
    expect((await zombie.closed).code).toBe(4003);
    const e3 = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 3 });
    expect((await e2.closed).code).toBe(4003);
    e3.send(batch("agent.message", 1));
    expect((await e3.next("acked")).acks[0]?.seq).toBe(1);
  });
});

describe("identity, roles and kinds", () => {
  it("a cid bound to another token is refused with not_allowed and 4008", async () => {
    const { room, device, machineId } = await setup();
    const other = await call("POST", "/api/tokens", { bearer: SECRET, body: { kind: "device", machineId } });
    const second: { token: string } = await other.json();
    await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    const thief = await WsClient.open(room, second.token);
    thief.send({ t: "hello", v: 2, cid: "phone-cid-01" });
    expect(await thief.next("error")).toMatchObject({ code: "not_allowed" });
    expect((await thief.closed).code).toBe(4008);
  });

  it("roles come from the token: a viewer reads but cannot send; a controller cannot send bridge kinds", async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    b.send(batch("agent.message", 2));
    await b.next("acked");
    const link = await share(bridge.token, room, "viewer");
    const viewer = await WsClient.join(room, link.token, { cid: "viewer-cid-1", since: 0 });
    expect(viewer.all("welcome")[0]?.role).toBe("viewer");
    await viewer.next("caught_up");
    expect(viewer.seqs()).toEqual([1, 2]);
    viewer.send(batch("user.message", 1));
    expect(await viewer.next("error")).toMatchObject({ code: "not_allowed" });
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    const m = mid();
    phone.send({ t: "send", msgs: [{ mid: m, kind: "agent.message", body: {} }] });
    expect(await phone.next("error")).toEqual({
      t: "error",
      code: "not_allowed",
      message: expect.any(String),
      mid: m,
    });
  });
});

describe("signals and presence", () => {
  it("signals reach other caught-up sockets and are never stored; presence lists peers with lastSeen", async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    await b.next("caught_up");
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    await phone.next("caught_up");
    const presence = await phone.next("presence");
    expect(presence.peers.map((p) => p.cid).sort()).toEqual(["bridge-cid-1", "phone-cid-01"]);
    for (const p of presence.peers) expect(p.lastSeen).toBeGreaterThanOrEqual(p.since);
    b.send({ t: "signal", kind: "agent.delta", body: { messageId: "x", index: 0, text: "hel" } });
    expect(await phone.next("signal")).toEqual({
      t: "signal",
      cid: "bridge-cid-1",
      role: "bridge",
      kind: "agent.delta",
      body: { messageId: "x", index: 0, text: "hel" },
    });
    phone.send({ t: "signal", kind: "typing" });
    expect((await b.next("signal")).kind).toBe("typing");
    const head = await runInDurableObject(env.ROOM.getByName(room), (_r, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM log").one(),
    );
    expect(head.n).toBe(0);
    phone.close();
    await b.until((c) => c.all("presence").at(-1)?.peers.length === 1);
  });

  it("ping is answered pong by the runtime", async () => {
    const { room, device } = await setup();
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    phone.send("ping");
    await phone.until((c) => c.frames.includes("pong"));
  });

  it("the liveness alarm closes sockets silent for over 90 s with 1001", async () => {
    const { room, device } = await setup();
    const quiet = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    const alive = await WsClient.join(room, device.token, { cid: "phone-cid-02" });
    const stub = env.ROOM.getByName(room);
    await evictDurableObject(stub); // hibernate: the next instance reads socket state from attachments
    await runInDurableObject(stub, (_r, state) => {
      for (const ws of state.getWebSockets()) {
        const att = ws.deserializeAttachment() as { __pk: unknown; __user: PeerState };
        if (att.__user.cid === "phone-cid-01")
          ws.serializeAttachment({ ...att, __user: { ...att.__user, lastSeen: 0 } });
      }
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await quiet.closed).code).toBe(1001);
    await alive.until((c) => c.all("presence").at(-1)?.peers.length === 1);
  });
});

describe("flow control and limits over real sockets", () => {
  it("a client that never acks holds at most 2,000 unacked messages, replay included", async () => {
    const { room, bridge, device } = await setup();
    // Three bridge sockets, so the 2,500 messages stay within each socket's rate burst of 1,000.
    const writers = await Promise.all(
      ["bridge-cid-1", "bridge-cid-2", "bridge-cid-3"].map((cid) =>
        WsClient.join(room, bridge.token, { cid, epoch: 1 }),
      ),
    );
    for (let i = 0; i < 25; i++) {
      const w = writers[i % 3]!;
      w.send(batch("agent.message", 100));
      await w.next("acked");
    }
    const b = writers[0]!;
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01", since: 0 });
    await phone.until((c) => c.seqs().length === 2000);
    b.send({ t: "ack", upTo: 2500 });
    // A round trip through the room (not a ping: the runtime answers those), so anything extra would have arrived.
    b.send({ t: "history", limit: 1 });
    await b.next("history");
    expect(phone.seqs().length).toBe(2000);
    expect(phone.all("caught_up")).toEqual([]);
    phone.send({ t: "ack", upTo: 2000 });
    await phone.next("caught_up");
    expect(phone.seqs()).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it("every bad input gets its typed error and stores nothing", async () => {
    const { room, bridge } = await setup();
    const b = await WsClient.open(room, bridge.token);
    b.send({ t: "send", msgs: [] });
    expect(await b.next("error")).toMatchObject({ code: "hello_required" });
    b.send({ t: "hello", v: 2, cid: "bridge-cid-1", epoch: 1 });
    await b.next("caught_up");
    const bad: [unknown, string][] = [
      ["not json", "bad_frame"],
      [{ t: "nope" }, "bad_frame"],
      [{ t: "send", msgs: [] }, "bad_frame"],
      [
        {
          t: "send",
          msgs: Array.from({ length: 101 }, () => ({ mid: mid(), kind: "agent.message", body: 1 })),
        },
        "bad_frame",
      ],
      [{ t: "send", msgs: [{ mid: "short", kind: "agent.message", body: 1 }] }, "bad_frame"],
      [{ t: "history", limit: 501 }, "bad_frame"],
      [{ t: "hello", v: 2, cid: "bridge-cid-1", epoch: 1 }, "bad_frame"],
      [
        { t: "send", msgs: [{ mid: mid(), kind: "agent.message", body: "x".repeat(Limits.bodyBytes) }] },
        "too_large",
      ],
      [
        `{"t":"send","msgs":[{"mid":"${mid()}","kind":"agent.message","body":"${"x".repeat(1_100_000)}"}]}`,
        "too_large",
      ],
    ];
    for (const [frame, code] of bad) {
      b.send(frame);
      expect((await b.next("error")).code).toBe(code);
    }
    b.ws.send(new Uint8Array([1, 2, 3]));
    expect((await b.next("error")).code).toBe("bad_frame");
    const n = await runInDurableObject(env.ROOM.getByName(room), (_r, s) =>
      s.storage.sql.exec("SELECT count(*) AS n FROM log").one(),
    );
    expect(n.n).toBe(0);
    b.send(batch("agent.message", 1));
    expect((await b.next("acked")).acks[0]?.seq).toBe(1);
  });
});

describe("revocation", () => {
  it("revoking a token closes its open sockets with 4001 within 5 s; others stay", async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    const machinePhone = await WsClient.join(
      `m-${device.id ? (await me(device.token)).machineId : ""}`,
      device.token,
      { cid: "phone-cid-01" },
    );
    const started = Date.now();
    expect((await call("DELETE", `/api/tokens/${device.id}`, { bearer: bridge.token })).status).toBe(200);
    const [a, c] = await Promise.all([phone.closed, machinePhone.closed]);
    expect([a.code, c.code]).toEqual([4001, 4001]);
    expect(Date.now() - started).toBeLessThan(5000);
    b.send(batch("agent.message", 1));
    expect((await b.next("acked")).acks.length).toBe(1);
    const again = await WsClient.open(room, device.token);
    expect((await again.closed).code).toBe(4001);
  });
});

async function me(token: string): Promise<{ machineId: string }> {
  return (await call("GET", "/api/me", { bearer: token })).json();
}
