import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeReady, type RelayProcess, startRelay } from "./support/relay-process.ts";

/**
 * The relay's readiness probe must settle within its deadline whatever happens to the request,
 * or a restart waits for ever: seed 221431773 of the chaos battery hung 20+ minutes in a relay
 * restart whose probe had timed out while reading the `/healthz` body (Node's fetch left
 * `text()` pending for ever once the abort landed mid-body). Deadlines from 1 to 80 ms make
 * every probe race its own timeout at some point of the exchange.
 */
const PROBES = 1_500;
const PARALLEL = 1;
/** A probe with an 80 ms deadline that has not settled after this never will. */
const SETTLE_MS = 5_000;

describe("relay readiness probe", () => {
  let relay: RelayProcess | null = null;

  beforeAll(async () => {
    relay = await startRelay();
  }, 120_000);

  afterAll(async () => {
    await relay?.dispose();
  }, 30_000);

  it("always settles within its deadline, even when it times out mid-body", async () => {
    const r = relay;
    if (!r) throw new Error("relay did not start");
    let next = 0;
    let hung: string | null = null;
    const outcomes = { ready: 0, refused: 0 };
    const worker = async () => {
      while (next < PROBES && hung === null) {
        const i = next++;
        const ms = 1 + ((i * 37) % 80);
        const settled = await Promise.race([
          probeReady(r, ms).then((seen) => (seen === null ? "ready" : "refused")),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), SETTLE_MS)),
        ]);
        if (settled === null) hung = `probe ${i} (deadline ${ms} ms) had not settled after ${SETTLE_MS} ms`;
        else outcomes[settled]++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(hung).toBeNull();
    expect(outcomes.ready + outcomes.refused).toBe(PROBES);
    // Deadlines did land (the race was run), and a probe with time enough still says ready.
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(await probeReady(r, 30_000)).toBeNull();
  }, 300_000);
});
