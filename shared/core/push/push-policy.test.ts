import { describe, expect, it } from "vitest";
import { delivery, retryAt, verdictOf, wants, watched } from "./push-policy.ts";

const ROOM = "s-AAAAAAAAAAAAAAAAAAAAAA";
const listener = { turns: "long" as const, longTurnSeconds: 60, muted: [] as string[] };

describe("who hears of a push", () => {
  it("turns: all, only those over N s, or never; other classes always", () => {
    expect(wants(listener, ROOM, { class: "turn", turnMs: 59_999 })).toBe(false);
    expect(wants(listener, ROOM, { class: "turn", turnMs: 60_000 })).toBe(true);
    expect(wants({ ...listener, turns: "all" }, ROOM, { class: "turn", turnMs: 1 })).toBe(true);
    expect(wants({ ...listener, turns: "never" }, ROOM, { class: "turn", turnMs: 9e9 })).toBe(false);
    for (const c of ["prompt", "error", "offline"] as const)
      expect(wants({ ...listener, turns: "never" }, ROOM, { class: c })).toBe(true);
  });

  it("a muted session says nothing but still closes what it showed", () => {
    const muted = { ...listener, muted: [ROOM] };
    expect(wants(muted, ROOM, { class: "prompt" })).toBe(false);
    expect(wants(muted, ROOM, { class: "resolved" })).toBe(true);
    expect(wants(muted, "s-BBBBBBBBBBBBBBBBBBBBBB", { class: "prompt" })).toBe(true);
  });

  it("a focused controller seen within a minute watches; a bridge, an unfocused or a stale page does not", () => {
    const now = 1_000_000;
    expect(watched([{ focused: true, lastSeen: now - 60_000, role: "controller" }], now)).toBe(true);
    expect(watched([{ focused: true, lastSeen: now - 60_001, role: "controller" }], now)).toBe(false);
    expect(watched([{ focused: false, lastSeen: now, role: "controller" }], now)).toBe(false);
    expect(watched([{ focused: true, lastSeen: now, role: "bridge" }], now)).toBe(false);
  });
});

describe("how a push is sent", () => {
  it("a prompt is urgent for a day; a resolved one low for an hour", () => {
    expect(delivery({ class: "prompt" })).toEqual({ ttlSeconds: 86_400, urgency: "high" });
    expect(delivery({ class: "resolved" })).toEqual({ ttlSeconds: 3600, urgency: "low" });
    expect(delivery({ class: "turn" })).toEqual({ ttlSeconds: 3600, urgency: "normal" });
  });

  it("backs off 2 s, 10 s, 60 s, 5 min, honours a longer Retry-After (to an hour), and gives up after 5 tries", () => {
    expect([1, 2, 3, 4].map((n) => retryAt(n, 0, null))).toEqual([2_000, 10_000, 60_000, 300_000]);
    expect(retryAt(1, 0, 30_000)).toBe(30_000);
    expect(retryAt(1, 0, 9e9)).toBe(3_600_000);
    expect(retryAt(5, 0, null)).toBeNull();
  });

  it("2xx sent, 404/410 gone, 429/5xx retried, other 4xx refused", () => {
    expect([201, 202, 404, 410, 429, 500, 503, 400, 413].map(verdictOf)).toEqual([
      "sent",
      "sent",
      "gone",
      "gone",
      "retry",
      "retry",
      "retry",
      "refused",
      "refused",
    ]);
  });
});
