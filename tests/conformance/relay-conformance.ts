import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Close, Healthz, MeRes, type OutMsg, type StoredMsg } from "../../shared/protocol/index.ts";
import { WireClient } from "../support/wire-client.ts";

/** A running relay, wherever it is hosted. */
export type RelayHost = { url: string; secret: string; stop(): Promise<void>; output(): string };

/**
 * The relay's behaviour as clients see it (docs/protocol.md §3–§7), written once and run against every
 * way of hosting the Worker: `wrangler dev` and the embedded Miniflare relay of `tether up`.
 * Each test uses its own machine and rooms, so the order does not matter.
 */
export function relayConformance(hostName: string, start: () => Promise<RelayHost>): void {
  describe(`relay conformance: ${hostName}`, () => {
    let host: RelayHost;
    const clients: WireClient[] = [];
    beforeAll(async () => {
      host = await start();
    }, 90_000);
    afterAll(async () => {
      for (const c of clients) await c.close();
      await host?.stop();
    }, 30_000);

    const ws = () => host.url.replace(/^http/, "ws");
    const open = async (room: string, token: string, msgs: StoredMsg[] = []) => {
      const c = await WireClient.open(ws(), room, token, { onMsg: (m) => msgs.push(m) });
      clients.push(c);
      return c;
    };
    const api = (path: string, init: { method?: string; bearer?: string; body?: unknown } = {}) =>
      fetch(`${host.url}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: {
          ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    const mint = async (kind: "bridge" | "device", machineId: string) => {
      const res = await api("/api/tokens", { bearer: host.secret, body: { kind, machineId } });
      expect(res.status, host.output()).toBe(201);
      return (await res.json()) as { id: string; token: string };
    };
    const machine = () => `mc${randomBytes(9).toString("base64url")}`;
    const sessionRoom = () => `s-${randomBytes(16).toString("base64url")}`;
    const mid = () => `m_${randomBytes(12).toString("base64url")}`;

    it("GET /healthz answers {ok:true, version}", async () => {
      const res = await api("/healthz");
      expect(res.status).toBe(200);
      expect(Healthz.safeParse(await res.json()).success).toBe(true);
    });

    it("serves the web app with an SPA fallback, and runs the Worker first for /api, /v1 and /healthz", async () => {
      const index = await api("/");
      expect([index.status, index.headers.get("content-type")]).toEqual([
        200,
        expect.stringContaining("text/html"),
      ]);
      const html = await index.text();
      const deep = await api("/pair");
      expect([deep.status, await deep.text()]).toEqual([200, html]);
      const unknown = await api("/api/no-such-route");
      expect([unknown.status, await unknown.json()]).toEqual([
        404,
        { error: expect.objectContaining({ code: "not_found" }) },
      ]);
      expect((await api(`/v1/rooms/m-${machine()}`)).status).toBe(426);
      expect((await api("/v1/rooms/not-a-room")).status).toBe(400);
    });

    it("mints tokens with the relay secret only; /api/me describes a token", async () => {
      const id = machine();
      const wrong = await api("/api/tokens", {
        bearer: "wrong-secret",
        body: { kind: "bridge", machineId: id },
      });
      expect(wrong.status).toBe(401);
      const bridge = await mint("bridge", id);
      expect(bridge.token).toMatch(/^tt_/);
      const me = MeRes.parse(await (await api("/api/me", { bearer: bridge.token })).json());
      expect(me).toMatchObject({ id: bridge.id, kind: "bridge", role: "bridge", machineId: id });
      expect((await api("/api/me", { bearer: host.secret })).status).toBe(401);
    });

    it("pairing: a one-time code from the bridge becomes a device token", async () => {
      const id = machine();
      const bridge = await mint("bridge", id);
      const pairing = await api("/api/pairings", { bearer: bridge.token, body: { label: "conformance" } });
      expect(pairing.status).toBe(201);
      const { code, url } = (await pairing.json()) as { code: string; url: string };
      expect(url).toBe(`${host.url}/pair#c=${code}`);
      const paired = await api("/api/pair", { body: { code } });
      expect(paired.status).toBe(201);
      const device = (await paired.json()) as { token: string; machineId: string };
      expect(device.machineId).toBe(id);
      expect(await (await api("/api/me", { bearer: device.token })).json()).toMatchObject({
        kind: "device",
        role: "controller",
      });
      const again = await api("/api/pair", { body: { code } });
      expect([again.status, await again.json()]).toEqual([
        400,
        { error: expect.objectContaining({ code: "bad_code" }) },
      ]);
    });

    it("hello → welcome, send → acked with seqs, replay from a cursor on resume", async () => {
      const id = machine();
      const [bridge, device] = [await mint("bridge", id), await mint("device", id)];
      const room = `m-${id}`;
      const b = await open(room, bridge.token);
      expect(await b.hello({ cid: "bridgecid01", epoch: 1 })).toMatchObject({
        room,
        role: "bridge",
        head: 0,
        low: 1,
      });
      const batch: OutMsg[] = [1, 2, 3].map((n) => ({ mid: mid(), kind: "machine.info", body: { n } }));
      const sent = await b.send(batch);
      expect(sent.status === "acked" && sent.acks.map((a) => a.seq)).toEqual([1, 2, 3]);

      const seen: StoredMsg[] = [];
      const phone = await open(room, device.token, seen);
      expect(await phone.hello({ cid: "phonecid01", since: 0 })).toMatchObject({
        role: "controller",
        resumeFrom: 1,
      });
      expect(await phone.untilCaughtUp()).toBe(3);
      expect(seen.map((m) => [m.seq, m.body, m.role, m.cid])).toEqual(
        [1, 2, 3].map((n) => [n, { n }, "bridge", "bridgecid01"]),
      );
      await phone.close();

      const resumed: StoredMsg[] = [];
      const back = await open(room, device.token, resumed);
      expect(await back.hello({ cid: "phonecid01", since: 2 })).toMatchObject({ head: 3, resumeFrom: 3 });
      await back.untilCaughtUp();
      expect(resumed.map((m) => m.seq)).toEqual([3]);
    });

    it("dedupes by mid: a resend gets the original seq with dup:true and stores nothing", async () => {
      const id = machine();
      const bridge = await mint("bridge", id);
      const b = await open(`m-${id}`, bridge.token);
      await b.hello({ cid: "bridgecid02", epoch: 1 });
      const once = { mid: mid(), kind: "machine.info", body: { v: "first" } };
      const first = await b.send([once]);
      const second = await b.send([{ ...once, body: { v: "second" } }]);
      expect(first.status === "acked" && first.acks).toEqual([{ mid: once.mid, seq: 1 }]);
      expect(second.status === "acked" && second.acks).toEqual([{ mid: once.mid, seq: 1, dup: true }]);
      const later = await open(`m-${id}`, bridge.token);
      expect((await later.hello({ cid: "bridgecid02b", epoch: 1, since: 0 })).head).toBe(1);
    });

    it("fences by epoch: a newer bridge process closes the older one (4003); an older one is refused", async () => {
      const id = machine();
      const bridge = await mint("bridge", id);
      const room = `m-${id}`;
      const older = await open(room, bridge.token);
      await older.hello({ cid: "bridgecid03", epoch: 5 });
      const newer = await open(room, bridge.token);
      await newer.hello({ cid: "bridgecid03", epoch: 6 });
      expect((await older.closed).code).toBe(Close.fenced);
      const zombie = await open(room, bridge.token);
      const fenced = zombie.next("error");
      zombie.hello({ cid: "bridgecid03", epoch: 4 }).catch(() => null);
      expect((await fenced).code).toBe("fenced");
      expect((await zombie.closed).code).toBe(Close.fenced);
    });

    it("checks every socket's token and room: 4001, 4004, 4403", async () => {
      const [a, b] = [machine(), machine()];
      const [bridgeA, deviceA, bridgeB] = [
        await mint("bridge", a),
        await mint("device", a),
        await mint("bridge", b),
      ];
      expect((await (await open(`m-${a}`, "tt_unknown")).closed).code).toBe(Close.unauthorized);
      expect((await (await open(`m-${a}`, deviceA.token)).closed).code).toBe(Close.notFound);
      expect((await (await open(sessionRoom(), deviceA.token)).closed).code).toBe(Close.notFound);
      expect((await (await open(`m-${a}`, bridgeB.token)).closed).code).toBe(Close.forbidden);
      const owner = await open(`m-${a}`, bridgeA.token);
      expect((await owner.hello({ cid: "bridgecid04", epoch: 1 })).role).toBe("bridge");
    });

    it("shares one session room; a viewer may not send; revoking closes its socket (4001)", async () => {
      const id = machine();
      const bridge = await mint("bridge", id);
      const room = sessionRoom();
      const b = await open(room, bridge.token);
      await b.hello({ cid: "bridgecid05", epoch: 1 });
      const res = await api("/api/shares", {
        bearer: bridge.token,
        body: { room, role: "viewer", ttlSeconds: 600 },
      });
      expect(res.status).toBe(201);
      const share = (await res.json()) as { id: string; token: string; url: string };
      expect(share.url).toBe(`${host.url}/s/${room}#t=${share.token}`);
      const viewer = await open(room, share.token);
      expect((await viewer.hello({ cid: "viewercid01" })).role).toBe("viewer");
      const refused = await viewer.send([{ mid: mid(), kind: "user.message", body: { text: "hi" } }]);
      expect(refused.status === "acked" && refused.refused.map((e) => e.code)).toEqual(["not_allowed"]);
      expect((await api(`/api/tokens/${share.id}`, { method: "DELETE", bearer: bridge.token })).status).toBe(
        200,
      );
      expect((await viewer.closed).code).toBe(Close.unauthorized);
    });
  });
}
