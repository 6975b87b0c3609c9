/**
 * The live-memory budget (`--max-live-memory`): which idle sessions go to sleep so the live
 * Claude processes together fit. Pure; `memory-watch.ts` measures and acts on the answer.
 */

export type LiveSession = {
  room: string;
  /** Resident bytes of its Claude process and that process's children. */
  rss: number;
  /** Nothing needs the process now: no turn, no prompt, no background work. */
  idle: boolean;
  /** When the session was last used (a message, Claude's output), ms since the epoch. */
  lastActive: number;
};

export type Sleeper = { room: string; rss: number };

export type BudgetVerdict = {
  /** The live processes' total before any sleeps. */
  total: number;
  /** Least recently used first; enough to get under the budget, or every idle one if that cannot. */
  sleep: Sleeper[];
};

/**
 * Over budget, the least recently used idle session sleeps first, then the next, until the rest
 * fit. A session with a running turn (or a prompt, or background work) is never chosen, even when
 * the running ones alone exceed the budget: a turn is never killed for memory.
 */
export function overBudget(sessions: readonly LiveSession[], budget: number): BudgetVerdict {
  const total = sessions.reduce((n, s) => n + s.rss, 0);
  const sleep: Sleeper[] = [];
  if (total <= budget) return { total, sleep };
  const idle = sessions.filter((s) => s.idle).sort((a, b) => a.lastActive - b.lastActive);
  let left = total;
  for (const s of idle) {
    if (left <= budget) break;
    sleep.push({ room: s.room, rss: s.rss });
    left -= s.rss;
  }
  return { total, sleep };
}

/** `512M`, `2G`, `1.5GiB`, `300MB`, `1024K`, or bytes; binary units either way (M = MiB). */
export function parseByteSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(text.trim());
  if (!m) return null;
  const power = { k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? "").toLowerCase()] ?? 0;
  const bytes = Math.round(Number(m[1]) * 1024 ** power);
  return bytes > 0 ? bytes : null;
}

/** `25%` of `total` bytes, or a size; null when it is neither (or 0, or more than 100%). */
export function parseBudget(text: string, total: number): number | null {
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
  if (!pct) return parseByteSize(text);
  const share = Number(pct[1]);
  return share > 0 && share <= 100 ? Math.round((total * share) / 100) : null;
}

/** `1.5 GiB`, `210 MiB`: for the start line, `tether status` and the notices. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  const digits = i === 0 || n >= 100 ? 0 : n >= 10 ? 1 : 2;
  return `${Number(n.toFixed(digits))} ${units[i]}`;
}

/** The `slept_for_memory` notice's text: what the live sessions held (with one starting), and the budget. */
export function sleptForMemoryText(why: {
  rss: number;
  total: number;
  budget: number;
  starting?: number;
}): string {
  const held =
    why.starting === undefined
      ? `the live Claude sessions on this machine held ${formatBytes(why.total)}`
      : `the live Claude sessions on this machine and one about to start (about ${formatBytes(why.starting)}) came to ${formatBytes(why.total)}`;
  return (
    `This session was put to sleep: ${held}, over their ${formatBytes(why.budget)} budget (--max-live-memory), ` +
    `and it was the least recently used idle one (${formatBytes(why.rss)}). Your next message resumes it with its context.`
  );
}
