import { readFileSync } from "node:fs";
import type { Logger } from "../log.ts";

/**
 * A bridge killed with SIGKILL leaves its Claude CLI running until that turn ends; the next bridge
 * would resume the same session beside it, two writers on one transcript. Stop it first — but only
 * if the pid still belongs to a Claude process (pids are reused).
 */
export function stopLeftover(pid: number | null, log: Logger): void {
  if (pid === null) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // gone already (or not Linux: then nothing to check against, so nothing is killed)
  }
  if (!/claude/i.test(cmdline)) return;
  try {
    process.kill(pid, "SIGTERM");
    log.warn("stopped a Claude process left behind by an earlier bridge", { pid });
  } catch (err) {
    log.warn("could not stop a leftover Claude process", { pid, error: (err as Error).message });
  }
}
