import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CID, entry, Harness, msgs } from "../../../tests/support/sync-harness.ts";
import { TestRoom } from "../../../tests/support/test-room.ts";
import { type AckItem, Limits } from "../../protocol/index.ts";
import { backoffDelay, isFatalClose, SyncDefaults, SyncEngine } from "./sync-engine.ts";

describe("close codes and backoff", () => {
  it("4001, 4403 and 4003 are fatal; every other close retries", () => {
    for (const code of [4001, 4403, 4003]) {
      const h = new Harness();
      h.open();
      expect(h.run(h.engine.closed(code, "why", h.now)).at(-1)).toEqual({
        type: "fatal",
        code,
        reason: "why",
      });
      expect(h.engine.opened(h.now)).toEqual([]);
      expect(isFatalClose(code)).toBe(true);
    }
    for (const code of [1000, 1001, 1006, 1011, 1012, 1013, 4004, 4008]) {
      const h = new Harness();
      h.open();
      expect(h.run(h.engine.closed(code, "", h.now)).at(-1)).toMatchObject({ type: "reconnect" });
      expect(isFatalClose(code)).toBe(false);
    }
  });

  it("full jitter within [0, min(30 s, 0.5 s·2^n))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const d = backoffDelay(n, () => r);
          const cap = Math.min(30_000, 500 * 2 ** n);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(cap);
          expect(d).toBeCloseTo(r * cap, 6);
        },
      ),
    );
    expect(backoffDelay(0, () => 0)).toBe(0);
  });

  it("grows per failed attempt and resets after 10 s connected", () => {
    const h = new Harness({ random: () => 0.999_999_9 });
    const delays = () => h.take("reconnect").map((a) => Math.ceil(a.delayMs));
    for (let i = 0; i < 8; i++) h.run(h.engine.closed(1006, "", h.now)); // dials that failed
    expect(delays()).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    h.open();
    h.tick(9_999);
    h.run(h.engine.closed(1006, "", h.now));
    expect(delays()).toEqual([30000]);
    h.open();
    h.tick(10_000);
    h.run(h.engine.closed(1012, "", h.now));
    expect(delays()).toEqual([500]);
  });
});

describe("heartbeat", () => {
  it("pings every 15 s; no pong within 10 s asks for a reconnect", () => {
    const h = new Harness();
    h.open();
    h.sent();
    expect(h.engine.deadline()).toBe(h.now + 15_000);
    h.tick(14_999);
    expect(h.sent()).toEqual([]);
    h.tick(1);
    expect(h.sent()).toEqual(["ping"]);
    h.tick(9_999);
    expect(h.take("drop")).toEqual([]);
    h.tick(1);
    expect(h.take("drop")).toEqual([{ type: "drop", reason: "no pong in time" }]);
  });

  it("a pong (or any frame) in time keeps the socket", () => {
    const h = new Harness();
    h.open();
    h.tick(15_000);
    h.tick(5_000);
    h.relay("pong");
    h.tick(9_000);
    expect(h.take("drop")).toEqual([]);
    h.tick(1_000);
    expect(h.sent().filter((f) => f === "ping")).toHaveLength(2);
  });

  it("the web app's heartbeat: none while hidden, an immediate ping with a short timeout when visible", () => {
    const h = new Harness({ pingEveryMs: 25_000 }, false);
    h.open();
    h.engine.setPingEvery(null);
    h.tick(60_000);
    expect(h.sent().filter((f) => f === "ping")).toEqual([]);
    h.engine.setPingEvery(25_000);
    h.run(h.engine.pingNow(h.now, 3_000));
    expect(h.sent()).toEqual(["ping"]);
    h.tick(2_999);
    expect(h.take("drop")).toEqual([]);
    h.tick(1);
    expect(h.take("drop")).toEqual([{ type: "drop", reason: "no pong in time" }]);
  });

  it("does not ping when told not to, but still gives up on a missing welcome", () => {
    const h = new Harness({ pingEveryMs: null });
    h.run(h.engine.opened(h.now));
    h.tick(SyncDefaults.helloTimeoutMs - 1);
    expect(h.sent().filter((f) => f === "ping")).toEqual([]);
    h.tick(1);
    expect(h.take("drop")).toEqual([{ type: "drop", reason: "no welcome in time" }]);
  });
});

describe("signals and history", () => {
  it("sends signals and history requests only when connected; a malformed signal kind never leaves", () => {
    const h = new Harness();
    expect(h.engine.signal("typing", {}, h.now)).toEqual([]);
    h.open();
    h.sent();
    h.run(h.engine.signal("agent.delta", { text: "x" }, h.now));
    h.run(h.engine.signal("Bad Kind", {}, h.now));
    h.run(h.engine.history(10, 5, h.now));
    expect(h.sent()).toEqual([
      { t: "signal", kind: "agent.delta", body: { text: "x" } },
      { t: "history", before: 10, limit: 5 },
    ]);
    h.relay({ t: "signal", cid: "phone-cid-01", role: "controller", kind: "typing", body: null });
    h.relay({ t: "presence", peers: [{ cid: CID, role: "bridge", since: 1, lastSeen: 2 }] });
    expect(h.take("signal")).toEqual([
      { type: "signal", signal: { cid: "phone-cid-01", role: "controller", kind: "typing", body: null } },
    ]);
    expect(h.take("presence")).toHaveLength(1);
  });

  it("paces history by what the relay may charge for the answer, so it is never refused and left unanswered", () => {
    const h = new Harness();
    h.open();
    h.sent();
    const cost = 200 + Limits.pageBytes / Limits.rateBytesPerToken;
    const fit = Math.floor(SyncDefaults.pace.burst / cost);
    for (let i = 0; i < fit; i++) expect(h.engine.history(100, 200, h.now)).toHaveLength(1);
    expect(h.engine.history(100, 200, h.now), "over the budget: not sent").toEqual([]);
    h.tick(Math.ceil((cost * 1000) / SyncDefaults.pace.perSecond));
    expect(h.engine.history(100, 200, h.now)).toHaveLength(1);
  });
});

describe("inbound validation", () => {
  it("logs and ignores frames that are not JSON or break the schema, and keeps working", () => {
    const h = new Harness({ cursor: 0 });
    h.open({ head: 2 });
    for (const bad of ["{", "[]", '{"t":"nope"}', '{"t":"msgs","items":[{"seq":"1"}]}']) {
      expect(h.relay(bad)).toEqual([expect.objectContaining({ type: "log", level: "warn" })]);
    }
    h.relay(msgs(1, 2));
    expect(h.take("apply").map((a) => a.msg.seq)).toEqual([1, 2]);
  });
});

describe("against the room's pure core", () => {
  it("a resend after a lost ack is deduplicated: each message stored once, every ack removes it", () => {
    const room = new TestRoom();
    const outbox = Array.from({ length: 150 }, () => entry());
    const engine = new SyncEngine({ cid: CID, epoch: 1, cursor: null, outbox, random: () => 0 });
    const peerA = room.connect("bridge");
    // First socket: everything reaches the room, but the socket dies before any answer is read.
    for (const a of engine.opened(room.clock)) if (a.type === "send") room.frame(peerA, a.text);
    const welcomeA = peerA.take().find((f) => f.t === "welcome");
    const out = engine.frame(JSON.stringify(welcomeA), room.clock);
    for (const a of out) if (a.type === "send") room.frame(peerA, a.text);
    expect(room.count()).toBe(100);
    room.drop(peerA);
    engine.closed(1006, "", room.clock);

    const peerB = room.connect("bridge");
    const acked: AckItem[] = [];
    const pending = [...engine.opened(room.clock)];
    while (pending.length > 0) {
      const a = pending.shift()!;
      if (a.type === "acked") acked.push(...a.acks);
      if (a.type !== "send") continue;
      room.frame(peerB, a.text);
      for (const f of peerB.take()) pending.push(...engine.frame(JSON.stringify(f), room.clock));
    }
    expect(room.count()).toBe(150);
    expect(engine.unacked()).toEqual([]);
    expect(acked.map((a) => a.mid)).toEqual(outbox.map((e) => e.mid));
    expect(acked.filter((a) => a.dup).length).toBe(100);
  });
});
