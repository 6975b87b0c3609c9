import { describe, expect, it } from "vitest";
import type { PushStatsRes } from "../../shared/protocol/index.ts";
import type { RelayApiResult } from "../control/relay-api.ts";
import type { Logger } from "../log.ts";
import { PushTotals } from "./push-totals.ts";

const stats = (sent: number, failed: number, gone: number, retried = 0): PushStatsRes => ({
  sent,
  failed,
  retried,
  gone,
  lastError: null,
  lastAt: null,
});

/** A relay whose answers the test lines up, and a clock and log the test reads. */
function world() {
  const answers: (RelayApiResult<PushStatsRes> | Error)[] = [];
  const warnings: string[] = [];
  let asked = 0;
  let now = 1_000_000;
  const log: Logger = { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const totals = new PushTotals({
    fetch: async () => {
      asked++;
      const next = answers.shift();
      if (next === undefined) throw new Error("no answer lined up");
      if (next instanceof Error) throw next;
      return next;
    },
    log,
    now: () => now,
  });
  return {
    totals,
    warnings,
    answer: (a: RelayApiResult<PushStatsRes> | Error) => answers.push(a),
    asked: () => asked,
    pass: (ms: number) => {
      now += ms;
    },
  };
}

describe("the relay's push totals as counters", () => {
  it("since install is the relay's; since start what they grew by after the first answer; failed includes gone", async () => {
    const w = world();
    expect(w.totals.counts()).toEqual({ sinceInstall: {}, sinceStart: {} });
    w.answer({ ok: true, value: stats(10, 2, 1, 4) });
    await w.totals.refresh(30_000);
    expect(w.totals.counts()).toEqual({
      sinceInstall: { pushesSent: 10, pushesFailed: 3, pushesRetried: 4 },
      sinceStart: { pushesSent: 0, pushesFailed: 0, pushesRetried: 0 },
    });
    w.pass(30_000);
    w.answer({ ok: true, value: stats(11, 2, 2, 4) });
    await w.totals.refresh(30_000);
    expect(w.totals.counts()).toEqual({
      sinceInstall: { pushesSent: 11, pushesFailed: 4, pushesRetried: 4 },
      sinceStart: { pushesSent: 1, pushesFailed: 1, pushesRetried: 0 },
    });
  });

  it("asks at most once per interval, once for callers that ask together", async () => {
    const w = world();
    w.answer({ ok: true, value: stats(1, 0, 0) });
    await Promise.all([w.totals.refresh(30_000), w.totals.refresh(30_000)]);
    w.pass(29_999);
    await w.totals.refresh(30_000);
    expect(w.asked()).toBe(1);
    await w.totals.refresh(5_000);
    expect(w.asked()).toBe(2);
  });

  it("a failed answer keeps the last values and is logged once while it stays the same; it never rejects", async () => {
    const w = world();
    w.answer({ ok: true, value: stats(5, 1, 0) });
    await w.totals.refresh(0);
    const before = w.totals.counts();
    w.answer({ ok: false, status: 404, code: "not_found", message: "no route" });
    w.pass(1);
    await w.totals.refresh(0);
    w.answer({ ok: false, status: 404, code: "not_found", message: "no route" });
    w.pass(1);
    await w.totals.refresh(0);
    w.answer(new Error("socket hang up"));
    w.pass(1);
    await w.totals.refresh(0);
    expect(w.totals.counts()).toEqual(before);
    expect(w.warnings).toHaveLength(2);
  });

  it("totals that went down (another relay) start since-start again from there", async () => {
    const w = world();
    w.answer({ ok: true, value: stats(50, 5, 0) });
    await w.totals.refresh(0);
    w.pass(1);
    w.answer({ ok: true, value: stats(3, 0, 0) });
    await w.totals.refresh(0);
    w.pass(1);
    w.answer({ ok: true, value: stats(4, 0, 0) });
    await w.totals.refresh(0);
    expect(w.totals.counts().sinceStart).toEqual({ pushesSent: 1, pushesFailed: 0, pushesRetried: 0 });
  });
});
