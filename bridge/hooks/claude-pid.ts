import { readFileSync } from "node:fs";
import { pidAlive } from "../pid-alive.ts";

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh", "fish"]);

/**
 * The pid of the Claude Code process that runs this hook. Claude Code sets `CLAUDE_PID` for its
 * hooks; without it, the hook's parent, or the parent's parent when the parent is the shell that
 * runs the hook command (Claude Code runs hooks through `sh -c`, measured). Null when neither can
 * be read (no /proc): the bridge then does without a liveness check.
 */
export function claudePid(env: NodeJS.ProcessEnv = process.env, ppid = process.ppid): number | null {
  const named = Number(env.CLAUDE_PID);
  if (/^[1-9][0-9]{0,9}$/.test(env.CLAUDE_PID ?? "") && named <= 2 ** 31 - 1) return named;
  const comm = readProc(`/proc/${ppid}/comm`)?.trim();
  if (comm === undefined) return null;
  if (!SHELLS.has(comm)) return ppid;
  // The field after the parenthesised name: state, then the parent's pid.
  const stat = readProc(`/proc/${ppid}/stat`);
  const parent = Number(stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(parent) && parent > 1 ? parent : null;
}

/**
 * When the process with this pid started (clock ticks since boot, /proc/PID/stat field 22): a pid
 * reused by another process has another start. Null where /proc does not tell.
 */
export function processStart(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return null;
  // Fields after the parenthesised name (which may hold spaces) start at field 3.
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  return start && /^[0-9]+$/.test(start) ? start : null;
}

/**
 * Whether the process recorded as `pid` (started at `started`, when known) is gone: no such pid,
 * or the pid now names a process that started at another time.
 */
export function processGone(
  pid: number,
  started: string | null,
  probe: { alive(pid: number): boolean; start(pid: number): string | null } = {
    alive: pidAlive,
    start: processStart,
  },
): boolean {
  if (!probe.alive(pid)) return true;
  const now = started === null ? null : probe.start(pid);
  return now !== null && now !== started;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
