import type { ChaosConfig } from "./chaos-config.ts";
import type { CheckResult, Violation } from "./checker-types.ts";
import type { Convergence } from "./converge.ts";
import { FAULT_KINDS, type FaultKind } from "./schedule.ts";
import type { StallReport } from "./stall.ts";

/** chaos-report.json: the figures first, then what helps to read them. */
export type ChaosReport = {
  seed: number;
  messages: number;
  faults: Record<string, number>;
  sent: number;
  acknowledged: number;
  stored: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  converged: boolean;
  ok: boolean;
  violations: { total: number; byInvariant: Record<string, number>; first: Violation[] };
  /** Set when the run stopped making progress: who waited for what (then nothing was checked). */
  stall: StallReport | null;
  details: {
    indeterminate: number;
    recovered: number;
    reapplied: number;
    slowestConvergenceMs: number;
    /** Who was still behind when the runner gave up waiting for convergence (empty: nobody). */
    stragglers: string[];
    head: number;
    relayRestarts: number;
    /** Faults that could not be carried out as planned (each with its reason in the history). */
    faultsFailed: Record<string, number>;
    schedule: string;
    durationSeconds: number;
    actors: { bridge: number; phones: number; browser: boolean; storm: number };
    reproduce: string;
  };
};

export type RunFacts = {
  schedule: string;
  durationMs: number;
  relayRestarts: number;
  faultsFailed: Record<string, number>;
  convergence: Convergence;
  stall?: StallReport;
};

export function makeReport(
  c: ChaosConfig,
  faults: ReadonlyMap<FaultKind, number>,
  r: CheckResult,
  f: RunFacts,
): ChaosReport {
  const byInvariant: Record<string, number> = {};
  for (const v of r.violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  return {
    seed: c.seed,
    messages: c.messages,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, faults.get(k) ?? 0])),
    sent: r.counts.sent,
    acknowledged: r.counts.acknowledged,
    stored: r.counts.stored,
    delivered: r.counts.delivered,
    lost: r.counts.lost,
    duplicated: r.counts.duplicated,
    reordered: r.counts.reordered,
    converged: r.converged,
    ok: r.ok,
    violations: { total: r.violations.length, byInvariant, first: r.violations.slice(0, 50) },
    stall: f.stall ?? null,
    details: {
      indeterminate: r.counts.indeterminate,
      recovered: r.counts.recovered,
      reapplied: r.counts.reapplied,
      slowestConvergenceMs: Math.round(f.convergence.slowestMs),
      stragglers: f.convergence.stragglers,
      head: f.convergence.head,
      relayRestarts: f.relayRestarts,
      faultsFailed: f.faultsFailed,
      schedule: f.schedule,
      durationSeconds: Math.round(f.durationMs / 1000),
      actors: { bridge: 1, phones: c.phones, browser: c.browser, storm: c.stormSize },
      reproduce: reproduce(c),
    },
  };
}

/** The command that replays a configuration's fault schedule and message sizes. */
export function reproduce(c: ChaosConfig): string {
  const flags = [`--seed ${c.seed}`, `--messages ${c.messages}`, `--faults ${c.faultsPerKind}`];
  if (!c.browser) flags.push("--no-browser");
  if (c.pace !== 1) flags.push(`--pace ${c.pace}`);
  if (c.stormSize !== 100) flags.push(`--storm ${c.stormSize}`);
  return `npm run chaos -- ${flags.join(" ")}`;
}
