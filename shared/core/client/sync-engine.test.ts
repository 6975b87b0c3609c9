import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CID, entry, Harness, msgs } from "../../../tests/support/sync-harness.ts";
import { mid } from "../../../tests/support/test-room.ts";
import { Limits } from "../../protocol/index.ts";
import { prepareOut, SyncDefaults } from "./sync-engine.ts";

describe("hello and resume", () => {
  it("says hello with the persisted cursor and the bridge's epoch", () => {
    const h = new Harness({ cursor: 41 });
    h.run(h.engine.opened(h.now));
    expect(h.sent()).toEqual([{ t: "hello", v: 2, cid: CID, epoch: 3, since: 41 }]);
    expect(h.engine.phase).toBe("hello");
  });

  it("says since:null without a cursor, and persists resumeFrom-1 from the welcome", () => {
    const h = new Harness({ tail: 0 }, false);
    h.run(h.engine.opened(h.now));
    expect(h.sent()).toEqual([{ t: "hello", v: 2, cid: CID, since: null, tail: 0 }]);
    h.relay({
      t: "welcome",
      v: 2,
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
    expect(h.sent()).toEqual([{ t: "hello", v: 2, cid: CID, epoch: 3, since: 2 }]);
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
      v: 2,
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
    const big = { text: "x".repeat(Limits.bodyBytes) };
    expect(prepareOut(mid(), "agent.message", big)).toMatchObject({ ok: false, code: "too_large" });
  });
});

describe("focus (docs/protocol.md §11.3)", () => {
  it("is said once connected, again after every welcome, and only when it changes", () => {
    const h = new Harness({ cursor: 4 });
    expect(h.engine.focus(true)).toEqual([]);
    h.open({ head: 4, resumeFrom: 5 });
    expect(h.sent().filter((f) => (f as { t?: string }).t === "focus")).toEqual([{ t: "focus", on: true }]);
    expect(h.engine.focus(true)).toEqual([]);
    h.run(h.engine.focus(false));
    expect(h.sent().filter((f) => (f as { t?: string }).t === "focus")).toEqual([{ t: "focus", on: false }]);
  });
});
