import { describe, expect, it } from "vitest";
import { randomSeed } from "./chaos/random.ts";
import type { SessionsConfig } from "./sessions-chaos/plan.ts";
import { reproduce } from "./sessions-chaos/report.ts";
import { runSessions } from "./sessions-chaos/run-sessions.ts";

/**
 * The session-level fault battery, short: the same code as `npm run chaos:sessions` with 20
 * inputs over two sessions and two phones, 4 bridge SIGKILLs (mid-turn, mid-tool, in a permission
 * wait, or anywhere), a relay SIGKILL, network cuts and stalls, phone reloads and offline periods.
 * A seed is drawn each run and printed; TETHER_SESSIONS_CHAOS_SEED pins one.
 */
const seed = process.env.TETHER_SESSIONS_CHAOS_SEED
  ? Number(process.env.TETHER_SESSIONS_CHAOS_SEED)
  : randomSeed();

describe("session battery (short)", () => {
  it("answers every input once, runs no tool twice, resolves every prompt once, keeps every session", async () => {
    const config: SessionsConfig = {
      seed,
      inputs: 20,
      kills: 4,
      relayKills: 1,
      netFaults: 3,
      sessions: 2,
      phones: 2,
      phoneFaults: 2,
      log: (line) => console.info(line),
    };
    const { report } = await runSessions(config);
    const why = `seed ${seed}; reproduce: ${reproduce(config)}\n${JSON.stringify(report, null, 2)}`;
    expect(report.violations.first, why).toEqual([]);
    expect(report.details.stalls, why).toEqual([]);
    expect(report.details.transportViolations, why).toEqual([]);
    expect(report.ok, why).toBe(true);
    expect(report.faults.bridge_kill, why).toBe(4);
    expect(report.faults.relay_kill, why).toBe(1);
    // 20 inputs and one probe per session, each answered.
    expect(report.counts.inputs, why).toBe(22);
    expect(report.counts.turnsOk + report.counts.noticed, why).toBeGreaterThan(0);
    expect(report.counts.prompts, why).toBeGreaterThan(0);
    console.info(
      `sessions-chaos (short): seed ${seed}, ${report.counts.inputs} inputs, ${report.counts.turnsOk} turns ok, ` +
        `${JSON.stringify(report.counts.turnsFailed)} failed, ${report.counts.prompts} prompts, ` +
        `${report.counts.executions} executions, ${report.details.durationSeconds} s`,
    );
  }, 300_000);
});
