/**
 * Resident memory of process trees, from Linux's /proc text (proc(5)); pure, so the parsing is
 * tested on fixture text and the adapter (`proc-reader.ts`) only reads files.
 */

export type ProcEntry = { pid: number; ppid: number };

/**
 * `pid` and parent pid from `/proc/<pid>/stat`. The command name (field 2) is in parentheses and
 * may hold spaces and ")" itself, so fields are counted from the last ")".
 */
export function parseStat(text: string): ProcEntry | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ")": state, ppid, ...
  const ppid = Number(
    text
      .slice(close + 1)
      .trim()
      .split(/\s+/)[1],
  );
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return null;
  return { pid, ppid };
}

/**
 * Resident set size in bytes from `/proc/<pid>/status` (`VmRSS:  123456 kB`); null when absent,
 * as for a kernel thread or a zombie.
 */
export function parseStatusRss(text: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Every descendant of `root` (children, their children, ...), the root itself first. */
export function descendants(root: number, table: readonly ProcEntry[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    // A pid reused between reads could close a loop; each counts once.
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The summed RSS of each root's tree; a process that went away meanwhile counts as 0. */
export function treeRss(
  roots: readonly number[],
  table: readonly ProcEntry[],
  rssOf: (pid: number) => number | null,
): Map<number, number> {
  const sums = new Map<number, number>();
  for (const root of roots) {
    const pids = descendants(root, table);
    sums.set(
      root,
      pids.reduce((n, pid) => n + (rssOf(pid) ?? 0), 0),
    );
  }
  return sums;
}
