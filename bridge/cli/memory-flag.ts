import { formatBytes, parseBudget } from "../session/memory-budget.ts";
import { machineMemory, procAvailable } from "../session/proc-memory.ts";
import { CliError } from "./options.ts";

/**
 * The default share of RAM the live Claude processes may hold (~210 MiB each). A quarter leaves
 * the rest to the person's own editor, browser and builds (and to what Claude's shells run); on
 * 8 GiB it is 2 GiB, about the 10 processes of the count cap, so on bigger machines the count cap
 * binds first and the budget matters where memory is short, or when processes grow.
 */
export const DEFAULT_MEMORY_SHARE = "25%";

export type MemoryBudget = {
  /** Bytes; null when this platform cannot measure processes (no /proc). */
  bytes: number | null;
  /** What the bridge says about it at start. */
  said: string;
};

/** `--max-live-memory SIZE` (or TETHER_MAX_LIVE_MEMORY): `512M`, `2G`, `1.5GiB` or `25%` of RAM. */
export function memoryBudget(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  ram = machineMemory(),
  measurable = procAvailable(),
): MemoryBudget {
  const given = flag ?? env.TETHER_MAX_LIVE_MEMORY;
  const text = given ?? DEFAULT_MEMORY_SHARE;
  const bytes = parseBudget(text, ram);
  if (bytes === null)
    throw new CliError(
      `--max-live-memory: expected a size like 512M, 2G or 1.5GiB, or a percent of RAM like 25%, got "${text}"`,
    );
  if (!measurable)
    return {
      bytes: null,
      said: "this platform has no /proc to measure Claude processes: --max-live-memory is not enforced, only --max-live",
    };
  const share = text.trim().endsWith("%")
    ? ` (${text.trim()} of ${formatBytes(ram)} RAM${given ? "" : ", the default"})`
    : "";
  return { bytes, said: `live Claude processes may hold ${formatBytes(bytes)} together${share}` };
}
