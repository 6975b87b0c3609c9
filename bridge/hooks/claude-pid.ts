import { readFileSync } from "node:fs";

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

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
