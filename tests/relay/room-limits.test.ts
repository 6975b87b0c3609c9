import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Limits } from "../../shared/protocol/index.ts";
import { call, claimedRoom, newMachine, ORIGIN, SECRET, share } from "./api-test-kit.ts";
import { batch, mid, WsClient } from "./ws-test-kit.ts";

/** What one socket costs a room: the caps of docs/protocol.md §6.1 per token, history, signals, presence. */

async function setup() {
  const m = await newMachine();
  const room = await claimedRoom(m.bridge.token);
  return { ...m, room };
}

/**
 * A socket that only counts what it receives (bytes and frames per type) without parsing it, so a
 * flood of answers costs the test little.
 */
class Counter {
  bytes = 0;
  frames = new Map<string, number>();
  errors: string[] = [];
  closed: Promise<{ code: number; reason: string }>;
  #wake: (() => void) | null = null;
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
    );
    ws.addEventListener("message", (e) => {
      const text = e.data as string;
      this.bytes += text.length;
      const t = /^\{"t":"([a-z_]+)"/.exec(text)?.[1] ?? "other";
      this.frames.set(t, (this.frames.get(t) ?? 0) + 1);
      if (t === "error") this.errors.push(text);
      this.#wake?.();
    });
  }
  static async join(room: string, token: string, cid: string): Promise<Counter> {
    const res = await exports.default.fetch(`${ORIGIN}/v1/rooms/${room}`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `tether.v1, bearer.${token}` },
    });
    if (!res.webSocket) throw new Error(`no WebSocket: ${res.status}`);
    res.webSocket.accept();
    const c = new Counter(res.webSocket);
    c.ws.send(JSON.stringify({ t: "hello", v: 2, cid }));
    await c.until(() => c.count("caught_up") === 1);
    return c;
  }
  count(t: string): number {
    return this.frames.get(t) ?? 0;
  }
  async until(pred: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${[...this.frames].join(" ")}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }
}

async function mintDevice(machineId: string): Promise<string> {
  const res = await call("POST", "/api/tokens", { bearer: SECRET, body: { kind: "device", machineId } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function cursorRows(room: string): Promise<{ cid: string; role: string }[]> {
  return runInDurableObject(env.ROOM.getByName(room), (_r, state) =>
    state.storage.sql
      .exec("SELECT cid, role FROM cursors ORDER BY cid")
      .toArray()
      .map((r) => ({ cid: String(r.cid), role: String(r.role) })),
  );
}

describe("history is charged to the sender's rate bucket", () => {
  it("a viewer's history flood is rate-limited, then cut off with 4008", async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    for (let i = 0; i < 3; i++) {
      b.send(batch("agent.message", 100, (n) => ({ n, text: "y".repeat(600) })));
      await b.next("acked");
    }
    const link = await share(bridge.token, room, "viewer");
    const viewer = await Counter.join(room, link.token, "viewer-cid-01");
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    const flood = 2000;
    const t0 = Date.now();
    for (let i = 0; i < flood; i++) viewer.ws.send('{"t":"history"}');
    // The flood is under way in the room before the controller sends.
    await viewer.until(() => viewer.count("history") + viewer.count("error") >= 5);
    const m = mid();
    const sentAt = Date.now();
    phone.send({ t: "send", msgs: [{ mid: m, kind: "user.message", body: { text: "hi" } }] });
    expect((await phone.next("acked", 60_000)).acks[0]?.mid).toBe(m);
    const delayMs = Date.now() - sentAt;
    // Refused frames are strikes: the flooder is closed once it has ignored 20 of them.
    expect(await viewer.closed).toEqual({ code: 4008, reason: "too many refused frames" });
    console.info(
      `history flood: ${flood} frames → ${viewer.count("history")} answered, ${viewer.count("error")} refused,` +
        ` ${viewer.bytes} bytes in ${Date.now() - t0} ms; a controller's send was acked after ${delayMs} ms`,
    );
    expect(viewer.errors[0]).toMatch(/"code":"rate_limited".*"retryAfterMs":\d+/);
    expect(viewer.count("error")).toBe(Limits.invalidFramesPerMinute + 1);
    // 300 rows of ~700 bytes: the burst of 1,000 tokens buys about ten pages of 100 rows.
    expect(viewer.count("history")).toBeLessThanOrEqual(20);
    expect(viewer.bytes).toBeLessThan(5_000_000);
    // The controller's delay is measured on real workerd (tests/embedded-security.test.ts): in the
    // test pool every frame costs milliseconds whatever it is, which would hide the difference.
  });
});

describe("sockets and cids per token and room", () => {
  it(`refuses socket ${Limits.socketsPerToken + 1} of one token with too_many and 4008; other tokens are not affected`, async () => {
    const { room, device, machineId } = await setup();
    const open: WsClient[] = [];
    for (let i = 0; i < Limits.socketsPerToken; i++) {
      open.push(await WsClient.join(room, device.token, { cid: `phone-cid-${i}` }));
    }
    const extra = await WsClient.open(room, device.token);
    expect(await extra.next("error")).toMatchObject({ code: "too_many" });
    expect(await extra.closed).toEqual({ code: 4008, reason: "too many sockets" });
    const other = await WsClient.join(room, await mintDevice(machineId), { cid: "other-cid-1" });
    expect(other.all("welcome")).toHaveLength(1);
    open[0]!.close();
    await open[0]!.closed;
    await open[1]!.until((c) => c.all("presence").at(-1)?.peers.length === Limits.socketsPerToken);
    const again = await WsClient.join(room, device.token, { cid: "phone-cid-0" });
    expect(again.all("welcome")).toHaveLength(1);
  });

  it(`refuses cid ${Limits.cidsPerToken + 1} of one token while the others are recent; a known cid still joins`, async () => {
    const { room, device } = await setup();
    for (let i = 0; i < Limits.cidsPerToken; i++) {
      const c = await WsClient.join(room, device.token, { cid: `phone-cid-${i}` });
      c.close();
      await c.closed;
    }
    const extra = await WsClient.open(room, device.token);
    extra.send({ t: "hello", v: 2, cid: "phone-cid-new" });
    expect(await extra.next("error")).toMatchObject({ code: "too_many" });
    expect(await extra.closed).toEqual({ code: 4008, reason: "too many cids" });
    const known = await WsClient.join(room, device.token, { cid: "phone-cid-3" });
    expect(known.all("welcome")).toHaveLength(1);
    expect((await cursorRows(room)).length).toBe(Limits.cidsPerToken);

    // Once a cid has been idle long enough, a new cid takes its place.
    await runInDurableObject(env.ROOM.getByName(room), (_r, state) => {
      state.storage.sql.exec("UPDATE cursors SET last_seen = 0 WHERE cid = 'phone-cid-5'");
    });
    const fresh = await WsClient.join(room, device.token, { cid: "phone-cid-new" });
    expect(fresh.all("welcome")).toHaveLength(1);
    const cids = (await cursorRows(room)).map((r) => r.cid);
    expect(cids).toHaveLength(Limits.cidsPerToken);
    expect(cids).toContain("phone-cid-new");
    expect(cids).not.toContain("phone-cid-5");
  });

  it("the alarm expires stale non-bridge cursors beyond the kept count, never the bridge's", async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-live" });
    const stale = Limits.cursorsKept + 30;
    const stub = env.ROOM.getByName(room);
    await runInDurableObject(stub, (_r, state) => {
      for (let i = 0; i < stale; i++) {
        state.storage.sql.exec(
          "INSERT INTO cursors(cid, token_id, role, acked, last_seen) VALUES (?, 'tok-old', 'viewer', 0, ?)",
          `old-cid-${String(i).padStart(4, "0")}`,
          1000 + i,
        );
      }
      state.storage.sql.exec(
        "UPDATE cursors SET last_seen = 0 WHERE cid IN ('bridge-cid-1', 'phone-cid-live')",
      );
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rows = await cursorRows(room);
    expect(rows.filter((r) => r.role !== "bridge")).toHaveLength(Limits.cursorsKept);
    const cids = rows.map((r) => r.cid);
    expect(cids).toContain("bridge-cid-1");
    expect(cids, "a connected socket's cid stays").toContain("phone-cid-live");
    expect(cids, "the newest stale ones stay").toContain(`old-cid-${String(stale - 1).padStart(4, "0")}`);
    expect(cids, "the oldest go first").not.toContain("old-cid-0000");
    b.close();
    phone.close();
  });
});

describe("presence is coalesced", () => {
  it("N sockets joining get O(N) presence frames in all, not O(N²)", async () => {
    const { room, bridge, machineId } = await setup();
    const tokens = [bridge.token];
    const perToken = Limits.socketsPerToken;
    const n = 40;
    while (tokens.length * perToken < n) tokens.push(await mintDevice(machineId));
    const t0 = Date.now();
    const sockets = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        tokens[Math.floor(i / perToken)] === bridge.token
          ? WsClient.join(room, bridge.token, { cid: `bridge-cid-${i}`, epoch: 1 })
          : WsClient.join(room, tokens[Math.floor(i / perToken)]!, { cid: `phone-cid-${i}` }),
      ),
    );
    for (const s of sockets) await s.until((c) => c.all("presence").at(-1)?.peers.length === n, 30_000);
    const elapsedMs = Date.now() - t0;
    const frames = sockets.reduce((sum, s) => sum + s.all("presence").length, 0);
    const bytes = sockets.reduce(
      (sum, s) => sum + s.all("presence").reduce((b, p) => b + JSON.stringify(p).length, 0),
      0,
    );
    console.info(`presence: ${n} sockets joined in ${elapsedMs} ms → ${frames} frames, ${bytes} bytes`);
    // Each socket: one presence after its caught_up, then at most one per coalescing interval.
    const intervals = Math.ceil(elapsedMs / Limits.presenceEveryMs) + 2;
    expect(frames).toBeLessThanOrEqual(n * (1 + intervals));
    expect(frames).toBeLessThan((n * n) / 4);
  });
});

describe("signals are capped and charged by size", () => {
  it(`refuses a controller signal over ${Limits.signalBytes} bytes with too_large and forwards nothing`, async () => {
    const { room, bridge, device } = await setup();
    const b = await WsClient.join(room, bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    const phone = await WsClient.join(room, device.token, { cid: "phone-cid-01" });
    phone.send({ t: "signal", kind: "typing", body: { pad: "x".repeat(Limits.signalBytes) } });
    expect(await phone.next("error")).toMatchObject({ code: "too_large" });
    phone.send({ t: "signal", kind: "typing", body: {} });
    expect(await b.next("signal")).toMatchObject({ kind: "typing", body: {} });
    expect(b.all("signal")).toHaveLength(1);
  });
});
