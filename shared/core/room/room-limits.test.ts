import { describe, expect, it } from "vitest";
import { mid, TestRoom } from "../../../tests/support/test-room.ts";
import { Limits } from "../../protocol/index.ts";
import { admitSocket } from "./room-caps.ts";

/** The room's per-socket costs on a frozen clock: signals and history by size, refusals as strikes, presence. */

function room() {
  const r = new TestRoom();
  const bridge = r.connect("bridge");
  r.hello(bridge, "bridge-cid-1");
  const phone = r.connect("controller");
  r.hello(phone, "phone-cid-01");
  return { r, bridge, phone };
}

describe("signals", () => {
  it("cost one token plus one per KiB of the frame: 4 KiB signals drain the bucket four times faster", () => {
    const { r, bridge, phone } = room();
    const body = { pad: "x".repeat(Limits.signalBytes - 200) };
    for (let i = 0; i < 20; i++) r.frame(phone, { t: "signal", kind: "typing", body });
    // ~3.9 KiB a frame: 1 + 3 tokens each.
    expect(phone.state.bucket.tokens).toBe(Limits.rateBurst - 20 * 4);
    expect(bridge.of("signal")).toHaveLength(20);
  });

  it("a controller's signal over the cap is too_large and reaches no one; the bridge's is not capped", () => {
    const { r, bridge, phone } = room();
    r.frame(phone, { t: "signal", kind: "typing", body: { pad: "x".repeat(Limits.signalBytes) } });
    expect(phone.of("error")).toMatchObject([{ code: "too_large" }]);
    expect(bridge.of("signal")).toHaveLength(0);
    const text = "y".repeat(64 * 1024);
    r.frame(bridge, { t: "signal", kind: "agent.delta", body: { messageId: "x", index: 0, text } });
    expect(phone.of("signal")).toHaveLength(1);
    expect(bridge.state.bucket.tokens).toBe(Limits.rateBurst - 1 - 64);
  });
});

describe("history", () => {
  it("needs its rows in the bucket first and costs one token per row plus one per KiB", () => {
    const { r, bridge } = room();
    for (let i = 0; i < 3; i++) {
      const msgs = Array.from({ length: 100 }, () => ({
        mid: mid(),
        kind: "agent.message",
        body: "y".repeat(1000),
      }));
      r.frame(bridge, { t: "send", msgs });
    }
    r.clock += 10_000;
    const viewer = r.connect("viewer", "tok-viewer");
    r.hello(viewer, "viewer-cid-01", { tail: 0 });
    r.frame(viewer, { t: "history", limit: 100 });
    const page = viewer.of("history")[0]!;
    expect(page.items).toHaveLength(100);
    const spent = Limits.rateBurst - viewer.state.bucket.tokens;
    expect(spent).toBeGreaterThanOrEqual(100 + 100);
    expect(spent).toBeLessThanOrEqual(100 + 120);
    let answered = 1;
    for (let i = 0; i < 30 && viewer.closed === null; i++) {
      r.frame(viewer, { t: "history", limit: 100 });
      answered = viewer.of("history").length;
    }
    expect(answered).toBeLessThanOrEqual(Math.ceil(Limits.rateBurst / 200) + 1);
    expect(viewer.of("error")[0]).toMatchObject({ code: "rate_limited", retryAfterMs: expect.any(Number) });
  });

  it("a socket that keeps sending refused frames is closed with 4008 after 20 refusals", () => {
    const { r, phone } = room();
    phone.state.bucket = { tokens: 0, at: r.clock };
    for (let i = 0; i < Limits.invalidFramesPerMinute; i++) r.frame(phone, { t: "history", limit: 10 });
    expect(phone.closed).toBeNull();
    r.frame(phone, { t: "history", limit: 10 });
    expect(phone.closed).toEqual({ code: 4008, reason: "too many refused frames" });
  });
});

describe("sockets per token", () => {
  it("at the cap a socket silent for 30 s gives its place to a new one; else the new one is refused", () => {
    const r = new TestRoom();
    const held = Array.from({ length: Limits.socketsPerToken }, () => {
      const p = r.connect("controller", "tok-a");
      expect(admitSocket(r.env, p)).toBe(true);
      return p;
    });
    const extra = r.connect("controller", "tok-a");
    expect(admitSocket(r.env, extra)).toBe(false);
    expect(extra.closed).toEqual({ code: 4008, reason: "too many sockets" });
    expect(extra.of("error")).toMatchObject([{ code: "too_many" }]);
    expect(admitSocket(r.env, r.connect("controller", "tok-b")), "another token").toBe(true);
    r.clock += Limits.socketIdleMs + 1;
    for (const p of held.slice(1)) p.pinged = r.clock;
    const next = r.connect("controller", "tok-a");
    expect(admitSocket(r.env, next)).toBe(true);
    expect(held[0]!.closed).toEqual({ code: 1001, reason: "silent" });
    expect(held.slice(1).every((p) => p.closed === null)).toBe(true);
  });
});

describe("presence", () => {
  it("is sent at once, then at most once per interval with the latest state", () => {
    const r = new TestRoom();
    const first = r.connect("controller", "tok-a");
    r.hello(first, "phone-cid-00");
    const before = first.of("presence").length;
    const others = Array.from({ length: 10 }, (_, i) => {
      const p = r.connect("controller", `tok-${i}`);
      r.hello(p, `phone-cid-${String(i + 1).padStart(2, "0")}`);
      return p;
    });
    expect(first.of("presence").length - before, "coalesced until the interval ends").toBe(0);
    r.tick(Limits.presenceEveryMs);
    expect(first.of("presence").length - before).toBe(1);
    expect(first.of("presence").at(-1)?.peers).toHaveLength(11);
    for (const p of others) expect(p.of("presence").at(-1)?.peers).toHaveLength(11);
    r.drop(others[0]!);
    r.tick(Limits.presenceEveryMs);
    expect(first.of("presence").at(-1)?.peers).toHaveLength(10);
    expect(r.timers).toHaveLength(0);
  });
});
