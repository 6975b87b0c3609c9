import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mid, TestRoom } from "../../tests/support/test-room.ts";
import type { AckItem, StoredMsg } from "../protocol/index.ts";
import {
  backoffDelay,
  isFatalClose,
  type OutboxEntry,
  prepareOut,
  type SyncAction,
  type SyncConfig,
  SyncDefaults,
  SyncEngine,
} from "./sync-engine.ts";

const CID = "bridge-cid-01";
const T0 = 1_763_700_000_000;

/** An engine plus what it asked for, with golden relay frames fed in by the test. */
class Harness {
  engine: SyncEngine;
  actions: SyncAction[] = [];
  now = T0;
  /** A bridge (epoch 3) unless `bridge` is false. */
  constructor(config: Partial<SyncConfig> = {}, bridge = true) {
    const base = { cid: CID, cursor: null, random: () => 0.5, ...(bridge ? { epoch: 3 } : {}) };
    this.engine = new SyncEngine({ ...base, ...config });
  }
  run(actions: SyncAction[]): SyncAction[] {
    this.actions.push(...actions);
    return actions;
  }
  open(welcome: { head?: number; low?: number; resumeFrom?: number } = {}): void {
    this.run(this.engine.opened(this.now));
    const { head = 0, low = 1, resumeFrom = head + 1 } = welcome;
    this.relay({
      t: "welcome",
      v: 1,
      room: "s-x",
      role: "bridge",
      head,
      low,
      resumeFrom,
      serverTime: this.now,
    });
  }
  relay(frame: object | string): SyncAction[] {
    return this.run(this.engine.frame(typeof frame === "string" ? frame : JSON.stringify(frame), this.now));
  }
  tick(ms: number): SyncAction[] {
    this.now += ms;
    return this.run(this.engine.tick(this.now));
  }
  enqueue(...entries: OutboxEntry[]): void {
    for (const e of entries) this.run(this.engine.enqueue(e, this.now));
  }
  /** Every frame written on the socket since the last call, parsed ("ping" stays text). */
  sent(): unknown[] {
    const out = this.take("send").map((a) => (a.text === "ping" ? "ping" : JSON.parse(a.text)));
    return out;
  }
  take<T extends SyncAction["type"]>(type: T): Extract<SyncAction, { type: T }>[] {
    const hit = this.actions.filter((a): a is Extract<SyncAction, { type: T }> => a.type === type);
    this.actions = this.actions.filter((a) => a.type !== type);
    return hit;
  }
  /** Mids of every `send` frame written since the last call, one array per frame. */
  batches(): string[][] {
    return this.sent()
      .filter((f): f is { t: "send"; msgs: { mid: string }[] } => (f as { t?: string }).t === "send")
      .map((f) => f.msgs.map((m) => m.mid));
  }
}

function entry(body: unknown = { n: 1 }, kind = "agent.message"): OutboxEntry {
  const p = prepareOut(mid("o"), kind, body);
  if (!p.ok) throw new Error(p.message);
  return p.entry;
}

function stored(seq: number): StoredMsg {
  return {
    seq,
    mid: `mid-${seq}`.padEnd(16, "x"),
    cid: "phone-cid-01",
    role: "controller",
    kind: "user.message",
    body: { seq },
    ts: T0,
  };
}

function msgs(...seqs: number[]): object {
  return { t: "msgs", items: seqs.map(stored) };
}

describe("hello and resume", () => {
  it("says hello with the persisted cursor and the bridge's epoch", () => {
    const h = new Harness({ cursor: 41 });
    h.run(h.engine.opened(h.now));
    expect(h.sent()).toEqual([{ t: "hello", v: 1, cid: CID, epoch: 3, since: 41 }]);
    expect(h.engine.phase).toBe("hello");
  });

  it("says since:null without a cursor, and persists resumeFrom-1 from the welcome", () => {
    const h = new Harness({ tail: 0 }, false);
    h.run(h.engine.opened(h.now));
    expect(h.sent()).toEqual([{ t: "hello", v: 1, cid: CID, since: null, tail: 0 }]);
    h.relay({
      t: "welcome",
      v: 1,
      room: "s-x",
      role: "controller",
      head: 9,
      low: 1,
      resumeFrom: 10,
      serverTime: 1,
    });
    expect(h.take("cursor")).toEqual([{ type: "cursor", seq: 9 }]);
    expect(h.engine.phase).toBe("replay");
    h.relay({ t: "caught_up", head: 9 });
    expect(h.engine.phase).toBe("live");
  });
});

describe("receiver duties", () => {
  it("applies only last+1, ignores what it already has, persists the cursor per page", () => {
    const h = new Harness({ cursor: 4 });
    h.open({ head: 8, resumeFrom: 5 });
    h.relay(msgs(3, 4, 5, 6));
    h.relay(msgs(6, 7));
    expect(h.take("apply").map((a) => a.msg.seq)).toEqual([5, 6, 7]);
    expect(h.take("cursor")).toEqual([
      { type: "cursor", seq: 6 },
      { type: "cursor", seq: 7 },
    ]);
    expect(h.engine.cursor).toBe(7);
  });

  it("on a gap applies what came before it, then asks for a reconnect with since = last", () => {
    const h = new Harness({ cursor: 0 });
    h.open({ head: 9, resumeFrom: 1 });
    h.relay(msgs(1, 2, 4, 5));
    expect(h.take("apply").map((a) => a.msg.seq)).toEqual([1, 2]);
    expect(h.take("cursor").at(-1)).toEqual({ type: "cursor", seq: 2 });
    expect(h.take("drop")).toEqual([{ type: "drop", reason: "gap: expected seq 3, got 4" }]);
    expect(h.relay(msgs(3))).toEqual([]); // the dying socket is ignored
    h.run(h.engine.closed(1000, "gap", h.now));
    expect(h.take("reconnect")).toHaveLength(1);
    h.sent();
    h.run(h.engine.opened(h.now));
    expect(h.sent()).toEqual([{ t: "hello", v: 1, cid: CID, epoch: 3, since: 2 }]);
  });

  it("after gone resets the cursor to resumeFrom-1, tells the owner, then applies the replay", () => {
    const h = new Harness({ cursor: 500 });
    h.open({ head: 20, low: 1, resumeFrom: 1 });
    h.relay({ t: "gone", reason: "unknown_cursor", low: 1, head: 20, resumeFrom: 1 });
    expect(h.take("reset")).toEqual([{ type: "reset", reason: "unknown_cursor", cursor: 0 }]);
    expect(h.take("cursor")).toEqual([{ type: "cursor", seq: 0 }]);
    h.relay(msgs(1, 2));
    expect(h.take("apply").map((a) => a.msg.seq)).toEqual([1, 2]);
  });

  it("acks at once after 100 messages, otherwise within a second", () => {
    const h = new Harness({ cursor: 0 });
    h.open({ head: 300, resumeFrom: 1 });
    h.sent();
    h.relay(msgs(...Array.from({ length: 100 }, (_, i) => i + 1)));
    expect(h.sent()).toEqual([{ t: "ack", upTo: 100 }]);
    h.relay(msgs(101));
    expect(h.sent()).toEqual([]);
    expect(h.engine.deadline()).toBe(h.now + SyncDefaults.ackEveryMs);
    h.tick(999);
    expect(h.sent()).toEqual([]);
    h.tick(1);
    expect(h.sent()).toEqual([{ t: "ack", upTo: 101 }]);
    h.relay(msgs(102));
    expect(h.run(h.engine.flushAck()).map((a) => a.type === "send" && a.text)).toEqual([
      '{"t":"ack","upTo":102}',
    ]);
  });

  it("applies every message exactly once, in order, whatever pages, duplicates and gaps arrive", () => {
    const page = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 });
    fc.assert(
      fc.property(fc.array(page, { maxLength: 30 }), (pages) => {
        const h = new Harness({ cursor: 0 });
        h.open({ head: 40, resumeFrom: 1 });
        for (const p of pages) {
          h.relay(msgs(...p));
          if (h.engine.phase === "dropping") {
            h.run(h.engine.closed(1006, "", h.now));
            h.open({ head: 40, resumeFrom: (h.engine.cursor ?? 0) + 1 });
          }
        }
        const applied = h.take("apply").map((a) => a.msg.seq);
        expect(applied).toEqual(Array.from({ length: applied.length }, (_, i) => i + 1));
        expect(h.engine.cursor).toBe(applied.length);
      }),
    );
  });
});

describe("sender duties", () => {
  it("after welcome resends the outbox in its original order with original mids, before anything new", () => {
    const old = [entry(), entry(), entry()];
    const h = new Harness({ outbox: old });
    h.run(h.engine.opened(h.now));
    const fresh = entry();
    h.enqueue(fresh);
    expect(h.batches()).toEqual([]); // nothing before welcome
    h.relay({
      t: "welcome",
      v: 1,
      room: "s-x",
      role: "bridge",
      head: 0,
      low: 1,
      resumeFrom: 1,
      serverTime: 1,
    });
    expect(h.batches()).toEqual([[...old, fresh].map((e) => e.mid)]);
  });

  it("keeps one send frame in flight; acks (dup included) remove messages and release the next batch", () => {
    const h = new Harness();
    h.open();
    const [a, b, c] = [entry(), entry(), entry()];
    h.enqueue(a, b);
    expect(h.batches()).toEqual([[a.mid]]);
    h.enqueue(c);
    expect(h.batches()).toEqual([]);
    h.relay({ t: "acked", acks: [{ mid: a.mid, seq: 7, dup: true }] });
    expect(h.take("acked")).toEqual([{ type: "acked", acks: [{ mid: a.mid, seq: 7, dup: true }] }]);
    expect(h.batches()).toEqual([[b.mid, c.mid]]);
    h.relay({ t: "acked", acks: [{ mid: b.mid, seq: 8 }] });
    expect(h.batches()).toEqual([]);
    h.relay({ t: "acked", acks: [{ mid: c.mid, seq: 9 }] });
    expect(h.engine.unacked()).toEqual([]);
  });

  it("resends what was in flight when the socket dropped, with the same mids", () => {
    const h = new Harness();
    h.open();
    const [a, b] = [entry(), entry()];
    h.enqueue(a, b);
    h.batches();
    h.run(h.engine.closed(1006, "", h.now));
    h.open();
    expect(h.batches()).toEqual([[a.mid, b.mid]]);
  });

  it("batches at most 100 messages and about 900 KiB per frame; one big message still goes alone", () => {
    const small = Array.from({ length: 250 }, () => entry());
    const h = new Harness({ outbox: small });
    h.open();
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [frame] = h.batches();
      sizes.push(frame?.length ?? 0);
      h.relay({ t: "acked", acks: (frame ?? []).map((m, j) => ({ mid: m, seq: i * 100 + j + 1 })) });
    }
    expect(sizes).toEqual([100, 100, 50]);

    const big = Array.from({ length: 8 }, () => entry({ text: "é".repeat(100 * 1024) })); // 200 KiB each
    const g = new Harness({ outbox: big });
    g.open();
    const frames = g.take("send").filter((a) => a.text.startsWith('{"t":"send"'));
    expect(frames).toHaveLength(1);
    const bytes = Buffer.byteLength(frames[0]!.text);
    expect(bytes).toBeLessThanOrEqual(SyncDefaults.frameBytes);
    expect((JSON.parse(frames[0]!.text) as { msgs: unknown[] }).msgs).toHaveLength(4);
  });

  it("a refused message (too_large, not_allowed, room_full) leaves the outbox and is reported", () => {
    for (const code of ["too_large", "not_allowed", "room_full"]) {
      const h = new Harness();
      h.open();
      const [a, b] = [entry(), entry()];
      h.enqueue(a, b);
      h.batches();
      h.relay({ t: "error", code, message: "no", mid: a.mid });
      expect(h.take("rejected")).toEqual([{ type: "rejected", mid: a.mid, code, message: "no" }]);
      expect(h.engine.unacked()).toEqual([b.mid]);
      expect(h.batches()).toEqual([[b.mid]]);
    }
  });

  it("rate_limited: the frame in flight goes again, unchanged, after retryAfterMs", () => {
    const h = new Harness();
    h.open();
    const [a, b] = [entry(), entry()];
    h.enqueue(a, b);
    h.batches();
    h.enqueue(entry());
    h.relay({ t: "error", code: "rate_limited", message: "slow down", retryAfterMs: 400 });
    expect(h.batches()).toEqual([]);
    expect(h.engine.deadline()).toBeGreaterThanOrEqual(h.now + 400);
    h.tick(399);
    expect(h.batches()).toEqual([]);
    h.now += 1;
    const next = h.engine.deadline() ?? 0;
    h.tick(next - h.now);
    const [frame] = h.batches();
    expect(frame?.slice(0, 2)).toEqual([a.mid, b.mid]);
  });

  it("paces below the relay's rate bucket instead of getting rate_limited", () => {
    const many = Array.from({ length: 1_200 }, () => entry());
    const h = new Harness({ outbox: many });
    h.open();
    let sent = 0;
    for (let i = 0; i < 12; i++) {
      const [frame] = h.batches();
      if (!frame) break;
      sent += frame.length;
      h.relay({ t: "acked", acks: frame.map((m, j) => ({ mid: m, seq: sent + j })) });
    }
    expect(sent).toBe(SyncDefaults.pace.burst);
    const wait = (h.engine.deadline() ?? 0) - h.now;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1_000);
    h.tick(wait);
    expect(h.batches()).toHaveLength(1);
  });

  it("refuses a malformed or oversized message before it reaches the outbox", () => {
    expect(prepareOut("short", "agent.message", {})).toMatchObject({ ok: false, code: "bad_frame" });
    expect(prepareOut(mid(), "Agent", {})).toMatchObject({ ok: false, code: "bad_frame" });
    expect(prepareOut(mid(), "agent.message", undefined)).toMatchObject({ ok: false, code: "bad_frame" });
    expect(prepareOut(mid(), "agent.message", { x: 1n })).toMatchObject({ ok: false, code: "bad_frame" });
    const big = { text: "x".repeat(256 * 1024) };
    expect(prepareOut(mid(), "agent.message", big)).toMatchObject({ ok: false, code: "too_large" });
  });
});

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
    h.run(h.engine.history(10, 5));
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
