import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { totalmem } from "node:os";
import { descendants, type ProcEntry, parseStat, parseStatusRss, treeRss } from "./process-rss.ts";

const PROC = "/proc";

/** Linux (and WSL) has /proc; macOS and Windows do not, and the bridge keeps only the count cap there. */
export function procAvailable(procDir = PROC): boolean {
  return existsSync(`${procDir}/self/status`);
}

/**
 * The resident bytes of each root pid's process tree (a Claude CLI with its shells and their
 * commands): every /proc/<pid>/stat for the parent links, then the status of the trees' members.
 */
export async function readTreeRss(roots: readonly number[], procDir = PROC): Promise<Map<number, number>> {
  if (roots.length === 0) return new Map();
  const names = await readdir(procDir);
  const stats = await Promise.all(
    names.filter((n) => /^\d+$/.test(n)).map((n) => readOrNull(`${procDir}/${n}/stat`)),
  );
  const table: ProcEntry[] = [];
  for (const text of stats) {
    const entry = text === null ? null : parseStat(text);
    if (entry) table.push(entry);
  }
  const members = new Set(roots.flatMap((root) => descendants(root, table)));
  const rss = new Map<number, number | null>();
  await Promise.all(
    [...members].map(async (pid) => {
      const text = await readOrNull(`${procDir}/${pid}/status`);
      rss.set(pid, text === null ? null : parseStatusRss(text));
    }),
  );
  return treeRss(roots, table, (pid) => rss.get(pid) ?? null);
}

/** The RAM the bridge may count on: the machine's, or its container's limit (cgroup v2) if lower. */
export function machineMemory(): number {
  const total = totalmem();
  try {
    const limit = Number(readFileSync("/sys/fs/cgroup/memory.max", "utf8").trim());
    return Number.isFinite(limit) && limit > 0 ? Math.min(total, limit) : total;
  } catch {
    // No cgroup v2 (macOS, Windows, cgroup v1): the machine's RAM is the bound.
    return total;
  }
}

/** A process may exit between readdir and the read: that is no error. */
async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    // ENOENT/ESRCH: the process went away meanwhile; it holds no memory then.
    return null;
  }
}
