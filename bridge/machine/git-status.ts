import { type ChangedFile, type FileState, WorkspaceLimits } from "../../shared/protocol/index.ts";

/** A status answer without its request's mid. */
export type StatusSummary = {
  branch: string | null;
  upstream: string | null;
  ahead: number;
  behind: number;
  files: ChangedFile[];
  truncated: boolean;
};

export type StatusLimits = { readonly statusFiles: number; readonly statusPathBytes: number };

/**
 * Reads `git status --porcelain=v2 --branch -z` (a format git keeps stable for scripts). Paths in
 * it are relative to the repository's top; `prefix` (`git rev-parse --show-prefix`, e.g. `"app/"`)
 * makes them relative to the cwd, and a file outside the cwd is left out: the pathspec `.` asked
 * for none, and a rename's source outside it is dropped rather than shown as `../…`. Pure.
 */
export function parseStatus(
  out: string,
  prefix: string,
  limits: StatusLimits = WorkspaceLimits,
): StatusSummary {
  const s: StatusSummary = { branch: null, upstream: null, ahead: 0, behind: 0, files: [], truncated: false };
  const records = out.split("\0");
  let pathBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i] ?? "";
    if (rec.startsWith("# ")) {
      header(s, rec.slice(2));
      continue;
    }
    // A rename or copy is followed by its source path as a record of its own.
    const source = rec.startsWith("2 ") ? records[++i] : undefined;
    const entry = fileOf(rec, source);
    if (entry === null || !entry.path.startsWith(prefix)) continue;
    const file = relativeTo(entry, prefix);
    pathBytes += Buffer.byteLength(file.path) + Buffer.byteLength(file.oldPath ?? "");
    if (s.files.length >= limits.statusFiles || pathBytes > limits.statusPathBytes) {
      s.truncated = true;
      break;
    }
    s.files.push(file);
  }
  return s;
}

function header(s: StatusSummary, line: string): void {
  const [key = "", ...rest] = line.split(" ");
  const value = rest.join(" ");
  if (key === "branch.head") s.branch = value === "(detached)" ? null : value;
  else if (key === "branch.upstream") s.upstream = value;
  else if (key === "branch.ab") {
    const m = /^\+(\d+) -(\d+)$/.exec(value);
    if (m) {
      s.ahead = Number(m[1]);
      s.behind = Number(m[2]);
    }
  }
}

/** Fields before the path: `1` has 8, `2` has 9, `u` has 10; `?` has the path alone. */
const FIELDS: Record<string, number> = { "1": 8, "2": 9, u: 10 };

function fileOf(rec: string, source: string | undefined): ChangedFile | null {
  if (rec.startsWith("? ")) return { path: rec.slice(2), state: "untracked" };
  const type = rec.slice(0, 1);
  const n = FIELDS[type];
  if (n === undefined) return null; // `!` (ignored, not asked for) or the empty tail after the last NUL
  const parts = rec.split(" ");
  const path = parts.slice(n).join(" ");
  if (path === "") return null;
  const xy = parts[1] ?? "..";
  const state = type === "u" ? "conflicted" : stateOf(xy);
  return source !== undefined && source !== "" ? { path, state, oldPath: source } : { path, state };
}

/** The index's letter and the work tree's as one word: the stronger change wins. */
function stateOf(xy: string): FileState {
  if (xy.includes("R")) return "renamed";
  if (xy.includes("C")) return "copied";
  if (xy.includes("A")) return "added";
  if (xy.includes("D")) return "deleted";
  if (xy.includes("T")) return "type_changed";
  return "modified";
}

function relativeTo(f: ChangedFile, prefix: string): ChangedFile {
  const path = f.path.slice(prefix.length);
  if (f.oldPath === undefined || !f.oldPath.startsWith(prefix)) return { path, state: f.state };
  return { path, state: f.state, oldPath: f.oldPath.slice(prefix.length) };
}
