import { afterAll, beforeAll } from "vitest";
import { BridgeWorld, type Phone } from "./bridge-world.ts";

/**
 * A test file's bridge world: the relay, the scripted model, a running `tether bridge` (with `env`
 * added for it and its Claude CLI) and a phone in the machine room; stopped after the file.
 */
export function useBridgeWorld(o: { env?: NodeJS.ProcessEnv } = {}): { w: BridgeWorld; machine: Phone } {
  let w: BridgeWorld | undefined;
  let machine: Phone | undefined;
  beforeAll(async () => {
    w = await BridgeWorld.start();
    w.extraEnv = o.env ?? {};
    w.startBridge();
    machine = await w.machinePhone();
  }, 90_000);
  afterAll(() => w?.stop(), 60_000);
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useBridgeWorld: not started (used before beforeAll?)");
    return value;
  };
  return {
    get w() {
      return ready(w);
    },
    get machine() {
      return ready(machine);
    },
  };
}
