import type { ChaosConfig } from "./chaos-config.ts";
import type { CheckResult } from "./checker-types.ts";
import type { Convergence } from "./converge.ts";
import type { History } from "./history.ts";
import { StallDetector, StalledError, type StallReport } from "./stall.ts";

/** Default for ChaosConfig.stallAfterMs: far above any single fault, relay restart or deadline. */
export const STALL_AFTER_MS = 120_000;

/**
 * Watches a run's history: every event is progress; `stalled` rejects with a StalledError once
 * nothing happened for the configured time, so that racing the run against it bounds every wait.
 */
export function watchStalls(c: ChaosConfig, history: History): { stalled: Promise<never>; stop: () => void } {
  const detector = new StallDetector({
    afterMs: c.stallAfterMs ?? STALL_AFTER_MS,
    waits: history.waits,
    now: () => history.now(),
  });
  const unlisten = history.listen((e) => detector.progress(`${e.actor} ${e.op}`));
  detector.start();
  const stalled = detector.stalled.then((r): never => {
    throw new StalledError(r);
  });
  // Never unhandled when the run ends first.
  stalled.catch(() => {});
  return {
    stalled,
    stop: () => {
      detector.stop();
      unlisten();
    },
  };
}

/** What the report says of a stalled run: the figures so far and one `stalled` violation. */
export function stalledResult(history: History, stall: StallReport, message: string): CheckResult {
  let sent = 0;
  let acknowledged = 0;
  let delivered = 0;
  for (const e of history.events) {
    if (e.op === "send") sent++;
    else if (e.op === "ack" && !e.dup) acknowledged++;
    else if (e.op === "apply") delivered += e.n;
  }
  const oldest = stall.waits[0];
  return {
    ok: false,
    converged: false,
    violations: [{ invariant: "stalled", actor: oldest?.who ?? null, detail: message }],
    counts: {
      sent,
      acknowledged,
      stored: 0,
      delivered,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      indeterminate: 0,
      recovered: 0,
      reapplied: 0,
    },
  };
}

/** Convergence as far as a stalled run got: never. */
export const NOT_CONVERGED: Convergence = {
  head: -1,
  drained: false,
  reached: false,
  slowestMs: 0,
  stragglers: [],
};

/** Logs the stall report right away (disposing the world may hang as well). */
export function logStall(c: ChaosConfig, err: StalledError): void {
  c.log(`chaos: STALLED: ${err.message}`);
  for (const w of err.report.waits)
    c.log(`chaos:   ${w.who} waits ${Math.round(w.forMs / 1000)} s for ${w.what}`);
}
