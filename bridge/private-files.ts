import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

/**
 * The state dir holds bearer tokens, the relay secret and every session's prompts: only its owner
 * may read it. `mkdir`'s mode applies only to a dir it creates, and SQLite creates its files with
 * 0644 minus the umask, so both are made private explicitly.
 */

/** Creates `dir` (0700) or tightens an existing one, and every dir (0700) and file (0600) in it. */
export function securePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir);
}

/**
 * A file that exists, empty if new, with mode 0600, before SQLite opens it: SQLite gives the
 * database's -wal and -shm files the mode of the database file itself.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
  for (const side of [`${path}-wal`, `${path}-shm`]) chmodIfPresent(side, 0o600);
}

function tighten(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Symlinks are left alone: chmod would follow them out of the state dir.
    if (entry.isDirectory()) tighten(path);
    else if (entry.isFile()) chmodIfPresent(path, 0o600);
  }
}

function chmodIfPresent(path: string, mode: number): void {
  try {
    const st = lstatSync(path);
    if (st.isFile() && (st.mode & 0o777) !== mode) chmodSync(path, mode);
  } catch (err) {
    // A file can vanish between listing and chmod (a temp file renamed); nothing to tighten then.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Runs `start` with umask 077, for a child process that creates files we cannot give a mode:
 * workerd writes the embedded relay's SQLite files (tokens, every room's messages) with the
 * umask it inherits when spawned. Restored afterwards, so Claude's files in a project keep the
 * user's umask. Worker threads cannot change the umask; there the 0700 dir is the protection.
 */
export async function withPrivateUmask<T>(start: () => Promise<T>): Promise<T> {
  if (!isMainThread) return start();
  const before = process.umask(0o077);
  try {
    return await start();
  } finally {
    process.umask(before);
  }
}
