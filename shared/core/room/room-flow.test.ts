import { describe, expect, it } from "vitest";
import { mid, TestRoom } from "../../../tests/support/test-room.ts";

function fill(room: TestRoom, n: number) {
  const bridge = room.connect("bridge");
  room.hello(bridge, "bridge-cid-1", { tail: 0 });
  for (let sent = 0; sent < n; sent += 100) {
    room.clock += 1000; // stay under the rate limit
    const msgs = Array.from({ length: Math.min(100, n - sent) }, (_, i) => ({
      mid: mid(),
      kind: "agent.delta_log",
      body: sent + i,
    }));
    room.frame(bridge, { t: "send", msgs });
  }
  return bridge;
}

describe("flow control", () => {
  it("a client that never acks holds at most 2,000 unacked messages, replay included, and no caught_up", () => {
    const room = new TestRoom();
    fill(room, 5000);
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01", { since: 0 });
    expect(p.seqs()).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(p.of("caught_up")).toEqual([]);
    for (const page of p.of("msgs")) expect(page.items.length).toBeLessThanOrEqual(500);
    room.frame(p, { t: "ack", upTo: 1500 });
    expect(p.seqs().at(-1)).toBe(3500);
    room.frame(p, { t: "ack", upTo: 3500 });
    expect(p.seqs().length).toBe(5000);
    expect(p.of("caught_up")).toEqual([{ t: "caught_up", head: 5000 }]);
  });

  it("live messages stop at the window too, and resume from storage on ack", () => {
    const room = new TestRoom();
    const bridge = fill(room, 0);
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01", { since: 0 });
    for (let i = 0; i < 25; i++) {
      room.clock += 1000;
      room.frame(bridge, {
        t: "send",
        msgs: Array.from({ length: 100 }, () => ({ mid: mid(), kind: "agent.message", body: i })),
      });
    }
    expect(p.seqs().length).toBe(2000);
    room.frame(p, { t: "ack", upTo: 2000 });
    expect(p.seqs()).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it("pages respect 256 KiB unless a single item is larger", () => {
    const room = new TestRoom();
    const bridge = fill(room, 0);
    const body = "y".repeat(200 * 1024);
    room.frame(bridge, {
      t: "send",
      msgs: [0, 1, 2].map(() => ({ mid: mid(), kind: "agent.message", body })),
    });
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01", { since: 0 });
    expect(p.of("msgs").map((m) => m.items.length)).toEqual([1, 1, 1]);
  });
});

describe("history", () => {
  it("pages backwards: newest `limit` below `before`, ascending, with low", () => {
    const room = new TestRoom();
    fill(room, 300);
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01", { tail: 10 });
    room.frame(p, { t: "history", before: 291, limit: 100 });
    const page = p.of("history")[0]!;
    expect(page.items.map((i) => i.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 191 + i));
    expect(page.low).toBe(1);
    room.frame(p, { t: "history", before: 50 });
    expect(p.of("history")[1]!.items.map((i) => i.seq)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    room.frame(p, { t: "history", limit: 501 });
    expect(p.of("error")[0]?.code).toBe("bad_frame");
  });
});

describe("retention", () => {
  it("compacts only what the bridge acknowledged; old cursors get gone{truncated}; compacted mids still dedupe", () => {
    const room = new TestRoom("s-AAAAAAAAAAAAAAAAAAAAAA", { maxMessages: 50, maxBytes: 1e9 });
    const bridge = fill(room, 120);
    room.alarm();
    expect(room.store.meta()).toMatchObject({ low: 1, count: 120 }); // bridge acked nothing yet
    room.frame(bridge, { t: "ack", upTo: 100 });
    expect(room.alarms.length).toBeGreaterThan(0);
    room.alarm();
    expect(room.store.meta()).toMatchObject({ low: 71, head: 120, count: 50 });
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01", { since: 10 });
    expect(p.of("gone")[0]).toEqual({ t: "gone", reason: "truncated", low: 71, head: 120, resumeFrom: 71 });
    expect(p.seqs()[0]).toBe(71);
    const firstMid = room.sql.exec("SELECT mid FROM compacted WHERE seq = 1")[0]?.mid as string;
    room.frame(bridge, { t: "send", msgs: [{ mid: firstMid, kind: "agent.message", body: "again" }] });
    expect(bridge.of("acked").at(-1)?.acks).toEqual([{ mid: firstMid, seq: 1, dup: true }]);
    room.clock += 8 * 24 * 3600 * 1000;
    room.alarm();
    expect(room.store.seqOfMid(firstMid)).toBeNull();
  });

  it("room_full refuses controllers while compaction is blocked by the bridge; the bridge still writes", () => {
    const room = new TestRoom("s-AAAAAAAAAAAAAAAAAAAAAA", { maxMessages: 50, maxBytes: 1e9 });
    const bridge = fill(room, 50);
    const p = room.connect("controller");
    room.hello(p, "phone-cid-01");
    const m = mid();
    room.frame(p, { t: "send", msgs: [{ mid: m, kind: "user.message", body: {} }] });
    expect(p.of("error")[0]).toMatchObject({ code: "room_full", mid: m });
    room.frame(bridge, { t: "send", msgs: [{ mid: mid(), kind: "agent.message", body: {} }] });
    expect(room.count()).toBe(51);
    room.frame(bridge, { t: "ack", upTo: 51 });
    room.alarm();
    room.frame(p, { t: "send", msgs: [{ mid: m, kind: "user.message", body: {} }] });
    expect(p.of("acked").at(-1)?.acks).toEqual([{ mid: m, seq: 52 }]);
  });
});

describe("liveness, presence and signals", () => {
  it("closes sockets silent for over 90 s with 1001 and expired tokens with 4001; pings count as life", () => {
    const room = new TestRoom();
    const quiet = room.connect("controller", "tok-q");
    room.hello(quiet, "phone-cid-qq");
    const pinger = room.connect("controller", "tok-p");
    room.hello(pinger, "phone-cid-pp");
    const expiring = room.connect("viewer", "tok-e", room.clock + 40_000);
    room.hello(expiring, "viewer-cid-e");
    room.clock += 60_000;
    expect(room.alarm()).toBe(room.clock + 30_000);
    expect(expiring.closed?.code).toBe(4001);
    room.clock += 31_000;
    pinger.pinged = room.clock;
    room.alarm();
    expect(quiet.closed?.code).toBe(1001);
    expect(pinger.closed).toBeNull();
    const last = pinger.of("presence").at(-1)!;
    expect(last.peers).toEqual([
      { cid: "phone-cid-pp", role: "controller", since: expect.any(Number), lastSeen: room.clock },
    ]);
  });

  it("signals reach the other caught-up sockets only, are never stored, and follow role rules", () => {
    const room = new TestRoom();
    const bridge = room.connect("bridge");
    room.hello(bridge, "bridge-cid-1");
    const phone = room.connect("controller");
    room.hello(phone, "phone-cid-01");
    room.frame(bridge, { t: "signal", kind: "agent.delta", body: { text: "he" } });
    room.frame(phone, { t: "signal", kind: "typing" });
    room.frame(phone, { t: "signal", kind: "agent.delta" });
    expect(phone.of("signal")).toEqual([
      { t: "signal", cid: "bridge-cid-1", role: "bridge", kind: "agent.delta", body: { text: "he" } },
    ]);
    expect(bridge.of("signal")).toEqual([
      { t: "signal", cid: "phone-cid-01", role: "controller", kind: "typing", body: null },
    ]);
    expect(phone.of("error")[0]?.code).toBe("not_allowed");
    expect(room.count()).toBe(0);
  });
});
