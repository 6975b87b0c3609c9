import { afterAll, beforeAll } from "vitest";
import { BridgeWorld } from "./bridge-world.ts";

/**
 * One relay and scripted model for a test file, and a new machine (state dir, tokens, bridge) on
 * them per test: a relay's start and stop (5–10 s on 2 cores) paid once per file. Tests in a file
 * run one at a time, so the model's last request is still the running test's.
 */
export function useOneRelay(): () => Promise<BridgeWorld> {
  let base: BridgeWorld | null = null;
  beforeAll(async () => {
    base = await BridgeWorld.start();
  }, 120_000);
  afterAll(() => base?.stop(), 60_000);
  return () => {
    if (!base) throw new Error("the file's relay did not start");
    return BridgeWorld.start({ alongside: base });
  };
}
