import type { CheckResult, Violation } from "./checker.ts";
import type { FaultRecord } from "./faults.ts";
import { FAULT_KINDS, KILL_MOMENTS, type Plan, type SessionsConfig } from "./plan.ts";

/**
 * What a user sees where no guarantee can hold: the bridge died while a tool ran (or waited for
 * its prompt). Kept in the report so that every run restates it next to its figures.
 */
export const UNCERTAIN =
  "A tool call running when the bridge died may or may not have run (its ledger line says which; " +
  "the phone cannot know). After the restart the bridge answers that turn with turn.result " +
  "error_bridge_restarted ('the bridge restarted during this turn') and every prompt left open with " +
  "permission.resolved deny by 'cancelled' ('the bridge restarted'); the Claude CLI is never asked " +
  "to run that call again. The web app shows the turn as 'Failed (error_bridge_restarted)' and the " +
  "tool card without a result as 'interrupted before its result: it may or may not have run'.";

export type SessionsReport = {
  seed: number;
  inputs: number;
  bridgeKills: number;
  faults: Record<string, number>;
  /** The figures first. */
  doubleExecutions: number;
  unansweredInputs: number;
  promptsLost: number;
  promptsAnsweredTwice: number;
  ok: boolean;
  violations: { total: number; byInvariant: Record<string, number>; first: Violation[] };
  counts: CheckResult["counts"];
  whatTheUserSees: string;
  details: {
    killMoments: Record<string, { planned: number; found: number }>;
    killsBridgeOnly: number;
    slowestBridgeRestartMs: number;
    slowestRelayRestartMs: number;
    bridgeStarts: number;
    relayRestarts: number;
    stalls: string[];
    transportViolations: string[];
    plan: string;
    durationSeconds: number;
    reproduce: string;
  };
};

export type RunFacts = {
  faults: FaultRecord[];
  stalls: string[];
  transport: string[];
  bridgeStarts: number;
  relayRestarts: number;
  durationMs: number;
};

export function makeReport(c: SessionsConfig, plan: Plan, r: CheckResult, f: RunFacts): SessionsReport {
  const byInvariant: Record<string, number> = {};
  for (const v of r.violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  const count = (inv: string, re: RegExp) =>
    r.violations.filter((v) => v.invariant === inv && re.test(v.detail)).length;
  const kills = f.faults.filter((x) => x.kind === "bridge_kill");
  const killMoments = Object.fromEntries(
    KILL_MOMENTS.map((m) => {
      const of = kills.filter((k) => k.detail.startsWith(m));
      return [m, { planned: of.length, found: of.filter((k) => k.triggered).length }];
    }),
  );
  const slowest = (kind: string) =>
    Math.max(0, ...f.faults.filter((x) => x.kind === kind).map((x) => x.recoveryMs ?? 0));
  const ok = r.ok && f.stalls.length === 0 && f.transport.length === 0;
  return {
    seed: c.seed,
    inputs: c.inputs,
    bridgeKills: kills.length,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, f.faults.filter((x) => x.kind === k).length])),
    doubleExecutions: byInvariant.executed_once ?? 0,
    unansweredInputs: byInvariant.input_answered ?? 0,
    promptsLost: count("prompt_resolved", /never resolved/),
    promptsAnsweredTwice: count("prompt_resolved", /resolved \d+ times/),
    ok,
    violations: { total: r.violations.length, byInvariant, first: r.violations.slice(0, 50) },
    counts: r.counts,
    whatTheUserSees: UNCERTAIN,
    details: {
      killMoments,
      killsBridgeOnly: kills.filter((k) => k.detail.includes("bridge only")).length,
      slowestBridgeRestartMs: slowest("bridge_kill"),
      slowestRelayRestartMs: slowest("relay_kill"),
      bridgeStarts: f.bridgeStarts,
      relayRestarts: f.relayRestarts,
      stalls: f.stalls,
      transportViolations: f.transport.slice(0, 50),
      plan: plan.digest,
      durationSeconds: Math.round(f.durationMs / 1000),
      reproduce: reproduce(c),
    },
  };
}

export function reproduce(c: SessionsConfig): string {
  const flags = [`--seed ${c.seed}`, `--inputs ${c.inputs}`, `--kills ${c.kills}`];
  flags.push(`--relay-kills ${c.relayKills}`, `--net ${c.netFaults}`, `--phone-faults ${c.phoneFaults}`);
  flags.push(`--sessions ${c.sessions}`, `--phones ${c.phones}`);
  return `npm run chaos:sessions -- ${flags.join(" ")}`;
}
