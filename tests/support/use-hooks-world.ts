import { beforeAll, expect } from "vitest";
import { runTether } from "./tether-process.ts";
import { useBridgeWorld } from "./use-bridge-world.ts";

/** A bridge world whose Claude config has Tether's hooks installed (`tether hooks install`), as a person would. */
export function useHooksWorld(): ReturnType<typeof useBridgeWorld> {
  const world = useBridgeWorld();
  beforeAll(async () => {
    const { w } = world;
    const r = await runTether(
      ["hooks", "install", "--config-dir", w.claudeConfig, "--state-dir", w.stateDir, "--json"],
      w.env(),
    );
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  return world;
}
