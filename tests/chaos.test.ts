import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ChaosConfig } from "./chaos/chaos-config.ts";
import { randomSeed } from "./chaos/random.ts";
import { reproduce } from "./chaos/report.ts";
import { runChaos } from "./chaos/run-chaos.ts";
import { FAULT_KINDS } from "./chaos/schedule.ts";
import { ARTIFACTS } from "./support/browser.ts";

/**
 * The fault-injection battery, short: the same code as `npm run chaos`, with one fault of each
 * kind (relay SIGKILL mid-append and mid-replay, bridge SIGKILL with a full outbox or frozen into
 * a zombie, cut / black hole / latency / 2G / 1-byte slicing, a 100-client reconnect storm, a
 * reload and an offline period of the web app in Chromium) and a few hundred messages. A seed is
 * drawn each run and printed; TETHER_CHAOS_SEED pins one.
 */
const seed = process.env.TETHER_CHAOS_SEED ? Number(process.env.TETHER_CHAOS_SEED) : randomSeed();

describe("chaos battery (short)", () => {
  it("keeps every invariant under one fault of each kind", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const config: ChaosConfig = {
      seed,
      messages: 300,
      faultsPerKind: 1,
      phones: 2,
      browser: true,
      stormSize: 100,
      pace: 0.5,
      convergeWithinMs: 10_000,
      historyFile: join(ARTIFACTS, "chaos-short-history.jsonl"),
      log: (line) => console.info(line),
    };
    const { report, notes } = await runChaos(config);
    const why = `seed ${seed}; reproduce: ${reproduce(config)}\n${JSON.stringify(report, null, 2)}\n${notes.slice(-20).join("\n")}`;
    expect(report.violations.first, why).toEqual([]);
    expect(report.converged, why).toBe(true);
    for (const kind of FAULT_KINDS) expect(report.faults[kind], `${kind} ran; ${why}`).toBe(1);
    expect(report.sent, why).toBeGreaterThanOrEqual(300);
    expect(report.stored, why).toBeGreaterThanOrEqual(report.acknowledged);
    expect(report.delivered, why).toBeGreaterThan(report.stored);
    console.info(
      `chaos (short): seed ${seed}, ${report.sent} sent, ${report.acknowledged} acked, ${report.stored} stored, ` +
        `${report.delivered} delivered, ${report.details.relayRestarts} relay restarts, ` +
        `converged in ${report.details.slowestConvergenceMs} ms, ${report.details.durationSeconds} s`,
    );
  }, 170_000);
});
