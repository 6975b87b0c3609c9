import { describe, expect, it } from "vitest";
import { mid, TestRoom } from "../../../tests/support/test-room.ts";
import { Limits } from "../../protocol/index.ts";

const BR = "bridge-cid-1";
const PH = "phone-cid-01";

function seeded(n: number) {
  const room = new TestRoom();
  const bridge = room.connect("bridge");
  room.hello(bridge, BR);
  for (let i = 0; i < n; i++)
    room.frame(bridge, { t: "send", msgs: [{ mid: mid(), kind: "agent.message", body: { i } }] });
  return { room, bridge };
}

describe("hello and resume", () => {
  it("welcomes with head, low and resumeFrom, replays since+1..head, then caught_up and presence", () => {
    const { room } = seeded(10);
    const phone = room.connect("controller");
    room.hello(phone, PH, { since: 4 });
    const [welcome, ...rest] = phone.frames;
    expect(welcome).toMatchObject({
      t: "welcome",
      v: 2,
      role: "controller",
      head: 10,
      low: 1,
      resumeFrom: 5,
    });
    expect(phone.seqs()).toEqual([5, 6, 7, 8, 9, 10]);
    const tail = rest.filter((f) => f.t !== "msgs").map((f) => f.t);
    expect(tail.slice(0, 2)).toEqual(["caught_up", "presence"]);
  });

  it("without a cursor replays the last `tail` messages (default 200, 0 allowed)", () => {
    const { room } = seeded(250);
    const a = room.connect("controller");
    room.hello(a, "phone-cid-a1");
    expect(a.seqs()).toEqual(Array.from({ length: 200 }, (_, i) => 51 + i));
    const b = room.connect("controller");
    room.hello(b, "phone-cid-b1", { tail: 3 });
    expect(b.seqs()).toEqual([248, 249, 250]);
    const c = room.connect("controller");
    room.hello(c, "phone-cid-c1", { tail: 0 });
    expect(c.seqs()).toEqual([]);
    expect(c.of("welcome")[0]).toMatchObject({ resumeFrom: 251 });
  });

  it("a cursor beyond head is gone{unknown_cursor} and replays as for tail", () => {
    const { room } = seeded(5);
    const p = room.connect("controller");
    room.hello(p, PH, { since: 99, tail: 2 });
    expect(p.of("gone")[0]).toEqual({ t: "gone", reason: "unknown_cursor", low: 1, head: 5, resumeFrom: 4 });
    expect(p.seqs()).toEqual([4, 5]);
  });

  it("an empty room welcomes with low = head+1 and is caught up at once", () => {
    const room = new TestRoom();
    const p = room.connect("controller");
    room.hello(p, PH, { since: 0 });
    expect(p.frames.map((f) => f.t)).toEqual(["welcome", "caught_up", "presence", "presence"]);
    expect(p.of("welcome")[0]).toMatchObject({ head: 0, low: 1, resumeFrom: 1 });
  });

  it("a second hello is bad_frame; a frame before hello is hello_required; a v other than WIRE_VERSION (2) closes 4008", () => {
    const room = new TestRoom();
    const p = room.connect("controller");
    room.frame(p, { t: "ack", upTo: 1 });
    expect(p.of("error")[0]?.code).toBe("hello_required");
    room.hello(p, PH);
    room.hello(p, PH);
    expect(p.of("error")[1]?.code).toBe("bad_frame");
    const q = room.connect("controller");
    room.frame(q, { t: "hello", v: 1, cid: "phone-cid-02" });
    expect(q.of("error")[0]?.code).toBe("bad_frame");
    expect(q.closed?.code).toBe(4008);
  });
});

describe("send, dedupe, ack", () => {
  it("a repeated mid is stored once and answered with its original seq and dup:true, with any body", () => {
    const { room, bridge } = seeded(3);
    const m = mid();
    room.frame(bridge, { t: "send", msgs: [{ mid: m, kind: "agent.message", body: "first" }] });
    room.frame(bridge, {
      t: "send",
      msgs: [
        { mid: m, kind: "agent.message", body: "second" },
        { mid: m, kind: "agent.message", body: 3 },
      ],
    });
    const acks = bridge
      .of("acked")
      .flatMap((a) => a.acks)
      .filter((a) => a.mid === m);
    expect(acks).toEqual([
      { mid: m, seq: 4 },
      { mid: m, seq: 4, dup: true },
      { mid: m, seq: 4, dup: true },
    ]);
    expect(room.count()).toBe(4);
    expect(room.store.read(4, 4, 1)[0]?.body).toBe('"first"');
  });

  it("a mid repeated inside one batch is stored once", () => {
    const { room, bridge } = seeded(0);
    const m = mid();
    room.frame(bridge, {
      t: "send",
      msgs: [
        { mid: m, kind: "turn.started", body: {} },
        { mid: m, kind: "turn.started", body: {} },
      ],
    });
    expect(bridge.of("acked")[0]?.acks).toEqual([
      { mid: m, seq: 1 },
      { mid: m, seq: 1, dup: true },
    ]);
    expect(room.count()).toBe(1);
  });

  it("broadcasts each stored message once to every caught-up socket, the sender included", () => {
    const { room, bridge } = seeded(0);
    const phone = room.connect("controller");
    room.hello(phone, PH, { since: 0 });
    room.frame(phone, { t: "send", msgs: [{ mid: mid(), kind: "user.message", body: { text: "hi" } }] });
    expect(phone.seqs()).toEqual([1]);
    expect(bridge.seqs()).toEqual([1]);
    expect(bridge.of("msgs")[0]?.items[0]).toMatchObject({
      cid: PH,
      role: "controller",
      kind: "user.message",
      body: { text: "hi" },
    });
  });

  it("ack beyond what was sent is clamped and the cursor persists per cid", () => {
    const { room } = seeded(5);
    const p = room.connect("controller");
    room.hello(p, PH, { since: 0 });
    room.frame(p, { t: "ack", upTo: 1000 });
    expect(p.state.baseline).toBe(5);
    expect(room.store.cidRecord(PH)?.acked).toBe(5);
    room.frame(p, { t: "ack", upTo: 2 });
    expect(room.store.cidRecord(PH)?.acked).toBe(5);
  });
});

describe("roles, kinds and limits", () => {
  it("a kind the role may not send is not_allowed for that message only; malformed kinds spoil the frame", () => {
    const { room } = seeded(0);
    const phone = room.connect("controller");
    room.hello(phone, PH);
    const ok = mid();
    const bad = mid();
    room.frame(phone, {
      t: "send",
      msgs: [
        { mid: bad, kind: "agent.message", body: {} },
        { mid: ok, kind: "user.message", body: {} },
      ],
    });
    expect(phone.of("error")[0]).toMatchObject({ code: "not_allowed", mid: bad });
    expect(phone.of("acked")[0]?.acks).toEqual([{ mid: ok, seq: 1 }]);
    room.frame(phone, {
      t: "send",
      msgs: [
        { mid: mid(), kind: "user.message", body: {} },
        { mid: mid(), kind: "User", body: {} },
      ],
    });
    expect(phone.of("error")[1]?.code).toBe("bad_frame");
    room.frame(phone, { t: "send", msgs: [{ mid: mid(), kind: "user.message" }] });
    expect(phone.of("error")[2]?.code).toBe("bad_frame");
    expect(room.count()).toBe(1);
  });

  it("a viewer may read but send nothing, not even signals", () => {
    const { room } = seeded(2);
    const v = room.connect("viewer");
    room.hello(v, "viewer-cid-1", { since: 0 });
    expect(v.seqs()).toEqual([1, 2]);
    room.frame(v, { t: "send", msgs: [{ mid: mid(), kind: "user.message", body: {} }] });
    room.frame(v, { t: "signal", kind: "typing" });
    expect(v.of("error").map((e) => e.code)).toEqual(["not_allowed", "not_allowed"]);
    expect(room.count()).toBe(2);
  });

  it("a body over 350 KiB is too_large by mid and the rest of the batch is stored", () => {
    const { room, bridge } = seeded(0);
    const big = mid();
    const small = mid();
    const text = "é".repeat(Limits.bodyBytes / 2 + 1); // 2 bytes each in UTF-8
    room.frame(bridge, {
      t: "send",
      msgs: [
        { mid: big, kind: "agent.message", body: text },
        { mid: small, kind: "agent.message", body: 1 },
      ],
    });
    expect(bridge.of("error")[0]).toMatchObject({ code: "too_large", mid: big });
    expect(bridge.of("acked")[0]?.acks).toEqual([{ mid: small, seq: 1 }]);
  });

  it("a frame over 1 MiB is too_large and stores nothing; binary and non-JSON frames are bad_frame", () => {
    const { room, bridge } = seeded(0);
    room.frame(
      bridge,
      JSON.stringify({
        t: "send",
        msgs: [{ mid: mid(), kind: "agent.message", body: "x".repeat(1024 * 1024) }],
      }),
    );
    expect(bridge.of("error")[0]?.code).toBe("too_large");
    bridge.frames = [];
    room.frame(bridge, "{not json");
    room.frame(bridge, "[1,2]");
    expect(bridge.of("error").map((e) => e.code)).toEqual(["bad_frame", "bad_frame"]);
    expect(room.count()).toBe(0);
  });

  it("more than 100 messages in one send is bad_frame, nothing stored", () => {
    const { room, bridge } = seeded(0);
    const msgs = Array.from({ length: 101 }, () => ({ mid: mid(), kind: "agent.message", body: 0 }));
    room.frame(bridge, { t: "send", msgs });
    expect(bridge.of("error")[0]?.code).toBe("bad_frame");
    expect(room.count()).toBe(0);
  });

  it("rate limit: past the burst a frame is dropped whole with retryAfterMs, and refills at 200/s", () => {
    const { room, bridge } = seeded(0);
    for (let i = 0; i < 10; i++) {
      room.frame(bridge, {
        t: "send",
        msgs: Array.from({ length: 100 }, () => ({ mid: mid(), kind: "agent.message", body: i })),
      });
    }
    expect(room.count()).toBe(1000);
    room.frame(bridge, {
      t: "send",
      msgs: Array.from({ length: 50 }, () => ({ mid: mid(), kind: "agent.message", body: 0 })),
    });
    expect(bridge.of("error").at(-1)).toMatchObject({ code: "rate_limited", retryAfterMs: 250 });
    expect(room.count()).toBe(1000);
    room.clock += 250;
    room.frame(bridge, {
      t: "send",
      msgs: Array.from({ length: 50 }, () => ({ mid: mid(), kind: "agent.message", body: 0 })),
    });
    expect(room.count()).toBe(1050);
  });

  it("more than 20 invalid frames in a minute closes the socket with 4008", () => {
    const room = new TestRoom();
    const p = room.connect("controller");
    for (let i = 0; i < 20; i++) room.frame(p, "nope");
    expect(p.closed).toBeNull();
    room.frame(p, { t: "ack", upTo: 0 });
    expect(p.closed?.code).toBe(4008);
  });
});

describe("identity and fencing", () => {
  it("a cid bound to another token is refused with not_allowed and 4008, fencing nothing", () => {
    const { room } = seeded(0);
    const a = room.connect("controller", "tok-a");
    room.hello(a, PH);
    const b = room.connect("controller", "tok-b");
    room.hello(b, PH);
    expect(b.of("error")[0]?.code).toBe("not_allowed");
    expect(b.closed?.code).toBe(4008);
    expect(a.closed).toBeNull();
  });

  it("a bridge hello needs an epoch", () => {
    const room = new TestRoom();
    const b = room.connect("bridge");
    room.frame(b, { t: "hello", v: 2, cid: BR });
    expect(b.of("error")[0]?.code).toBe("bad_frame");
    expect(b.state.cid).toBeNull();
  });

  it("higher epoch fences older sockets with 4003, equal replaces with 1000, lower is refused", () => {
    const room = new TestRoom();
    const old = room.connect("bridge");
    room.frame(old, { t: "hello", v: 2, cid: BR, epoch: 3 });
    const same = room.connect("bridge");
    room.frame(same, { t: "hello", v: 2, cid: BR, epoch: 3 });
    expect(old.closed).toEqual({ code: 1000, reason: "replaced" });
    const newer = room.connect("bridge");
    room.frame(newer, { t: "hello", v: 2, cid: BR, epoch: 4 });
    expect(same.closed?.code).toBe(4003);
    const zombie = room.connect("bridge");
    room.frame(zombie, { t: "hello", v: 2, cid: BR, epoch: 3 });
    expect(zombie.of("error")[0]?.code).toBe("fenced");
    expect(zombie.closed?.code).toBe(4003);
    expect(newer.closed).toBeNull();
    expect(room.store.epochOf(BR)).toBe(4);
  });

  it("a fenced socket that still manages to send stores nothing", () => {
    const room = new TestRoom();
    const old = room.connect("bridge");
    room.frame(old, { t: "hello", v: 2, cid: BR, epoch: 1 });
    room.store.setEpoch(BR, 2); // a newer process said hello in the meantime
    room.frame(old, { t: "send", msgs: [{ mid: mid(), kind: "agent.message", body: 0 }] });
    expect(old.of("error")[0]?.code).toBe("fenced");
    expect(room.count()).toBe(0);
  });
});
