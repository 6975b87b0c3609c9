import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond = 0;

/** The workerd processes this benchmark process started (Miniflare spawns them as its children). */
export function workerdChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.ppid === process.pid && stat.comm.startsWith("workerd")) pids.push(Number(name));
  }
  return pids;
}

/** CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  if (ticksPerSecond === 0) ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
  return ((stat.utime + stat.stime) * 1000) / ticksPerSecond;
}

function readStat(pid: number): { comm: string; ppid: number; utime: number; stime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // it exited between readdir and read
  }
  // comm may hold spaces; the fields after it are split at its closing parenthesis.
  const close = text.lastIndexOf(")");
  const f = text.slice(close + 2).split(" ");
  return {
    comm: text.slice(text.indexOf("(") + 1, close),
    ppid: Number(f[1]),
    utime: Number(f[11]),
    stime: Number(f[12]),
  };
}
