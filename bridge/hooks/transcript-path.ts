import { lstatSync } from "node:fs";
import { basename, dirname, isAbsolute, normalize } from "node:path";
import type { HookInput } from "./hook-input.ts";

/**
 * The transcript the CLI names, taken only where Claude Code keeps transcripts:
 * `<config dir>/projects/<encoded cwd>/<session id>.jsonl`, an absolute path with no `..`.
 */
export function transcriptPath(input: HookInput): string | null {
  const p = input.transcript_path;
  if (!isAbsolute(p) || normalize(p) !== p) return null;
  if (basename(p) !== `${input.session_id}.jsonl`) return null;
  return basename(dirname(dirname(p))) === "projects" ? p : null;
}

/** A regular file, not a link, FIFO or device (opening a FIFO would block the bridge). */
export function isPlainFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
