import { describe, expect, it } from "vitest";
import { holdOf, LIMIT_FALLBACK_MS, mergeLimits, rejectedReset, retryProblem } from "./holds.ts";
import { TurnTrouble } from "./turn-trouble.ts";

const now = 1_800_000_000_000;

describe("holdOf: which failed turns wait instead of ending", () => {
  it("a usage limit waits until the window resets, or a while when it names no reset", () => {
    const trouble = { error: "rate_limit", text: "You've hit your 5-hour limit · resets 3:19am (UTC)" };
    expect(holdOf(trouble, now + 60_000, now)).toEqual({ t: "limit", resetsAt: now + 60_000 });
    expect(holdOf(trouble, null, now)).toEqual({ t: "limit", resetsAt: now + LIMIT_FALLBACK_MS });
    expect(holdOf(trouble, now - 1, now)).toEqual({ t: "limit", resetsAt: now + LIMIT_FALLBACK_MS });
  });

  it("the account: not signed in, a refused key, the API out of reach, billing", () => {
    const not = { error: "authentication_failed", text: "Not logged in · Please run /login" };
    expect(holdOf(not, null, now)).toMatchObject({ t: "account", code: "not_signed_in" });
    const bad = { error: "authentication_failed", text: "Invalid API key · Fix external API key" };
    expect(holdOf(bad, null, now)).toMatchObject({ t: "account", code: "invalid_key" });
    const off = { error: "server_error", text: "API Error: Connection refused (ECONNREFUSED)" };
    expect(holdOf(off, null, now)).toMatchObject({ t: "account", code: "unreachable" });
    expect(holdOf({ error: "billing_error", text: "Credit balance is too low" }, null, now)).toMatchObject({
      code: "account_problem",
    });
  });

  it("other failures end the turn as before", () => {
    expect(holdOf(null, null, now)).toBeNull();
    expect(holdOf({ error: "invalid_request", text: "prompt is too long" }, null, now)).toBeNull();
    expect(holdOf({ error: "server_error", text: "API Error: 500 Internal" }, null, now)).toBeNull();
  });
});

describe("usage windows from rate_limit_event", () => {
  // As CLI 2.1.330 printed it for a 429 with the unified headers of a subscription.
  const rejected = {
    status: "rejected",
    resetsAt: 1_796_267_995,
    rateLimitType: "five_hour",
    unifiedWindows: {
      five_hour: { utilization: 1, resetsAt: 1_796_267_995, status: "rejected" },
      seven_day: { utilization: 0.4, resetsAt: 1_796_354_395, status: "allowed" },
    },
  };

  it("lists every window, in epoch ms, and the reset of the one that refuses", () => {
    expect(mergeLimits([], rejected)).toEqual([
      { kind: "five_hour", status: "rejected", resetsAt: 1_796_267_995_000, utilization: 1 },
      { kind: "seven_day", status: "allowed", resetsAt: 1_796_354_395_000, utilization: 0.4 },
    ]);
    expect(rejectedReset(rejected)).toBe(1_796_267_995_000);
    expect(rejectedReset({ status: "allowed_warning", resetsAt: 1 })).toBeNull();
  });

  it("a later event replaces the windows it names and keeps the others; junk is dropped", () => {
    const before = mergeLimits([], rejected);
    const warn = { status: "allowed_warning", rateLimitType: "seven_day", utilization: 0.85, resetsAt: 5 };
    expect(mergeLimits(before, warn)).toEqual([
      before[0],
      { kind: "seven_day", status: "allowed_warning", resetsAt: 5000, utilization: 0.85 },
    ]);
    expect(mergeLimits([], { unifiedWindows: { x: { status: "exploded" }, y: null } })).toEqual([]);
  });
});

describe("retryProblem: what the CLI's retries say about the account", () => {
  it("a refused key, an account problem, no answer; nothing for overload or a limit", () => {
    expect(retryProblem("authentication_failed", 401)).toEqual({
      code: "invalid_key",
      text: "authentication_failed (HTTP 401), and it keeps retrying",
    });
    expect(retryProblem("billing_error", 402)?.code).toBe("account_problem");
    expect(retryProblem("unknown", null)?.code).toBe("unreachable");
    expect(retryProblem("unknown", 500)).toBeNull();
    expect(retryProblem("server_error", 529)).toBeNull();
    expect(retryProblem("rate_limit", 429)).toBeNull();
    expect(retryProblem("x".repeat(10_000), null)).toBeNull();
  });

  it("is said once per kind and turn", () => {
    const t = new TurnTrouble();
    expect(t.retry("authentication_failed", 401)?.code).toBe("invalid_key");
    expect(t.retry("authentication_failed", 401)).toBeNull();
    expect(t.retry("unknown", null)?.code).toBe("unreachable");
    t.take(true);
    expect(t.retry("unknown", null)?.code).toBe("unreachable");
  });
});
