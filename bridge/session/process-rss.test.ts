import { describe, expect, it } from "vitest";
import { descendants, parseStat, parseStatusRss, treeRss } from "./process-rss.ts";

// Trimmed from a real /proc/<pid>/stat and /proc/<pid>/status of the Claude CLI.
const STAT =
  "16965 (claude) S 16858 16858 31165 0 -1 4194560 52341 0 0 0 210 41 0 0 20 0 12 0 5720601 74219520 50590 18446744073709551615";
const STATUS = [
  "Name:\tclaude",
  "Umask:\t0022",
  "State:\tS (sleeping)",
  "Pid:\t16965",
  "PPid:\t16858",
  "VmPeak:\t74356784 kB",
  "VmSize:\t74219520 kB",
  "VmHWM:\t  205012 kB",
  "VmRSS:\t  202360 kB",
  "RssAnon:\t  150000 kB",
  "Threads:\t12",
].join("\n");

describe("parseStat", () => {
  it("reads pid and parent pid", () => {
    expect(parseStat(STAT)).toEqual({ pid: 16965, ppid: 16858 });
  });

  it("a command name with spaces and parentheses does not shift the fields", () => {
    expect(parseStat("42 (a) b (c)) R 7 42 42 0")).toEqual({ pid: 42, ppid: 7 });
  });

  it("text that is not a stat line gives null", () => {
    expect(parseStat("")).toBeNull();
    expect(parseStat("x (y) S z")).toBeNull();
  });
});

describe("parseStatusRss", () => {
  it("VmRSS in kB, as bytes", () => {
    expect(parseStatusRss(STATUS)).toBe(202360 * 1024);
  });

  it("a kernel thread or a zombie has no VmRSS", () => {
    expect(parseStatusRss("Name:\tkthreadd\nState:\tS (sleeping)\nPid:\t2\n")).toBeNull();
  });
});

describe("treeRss", () => {
  const table = [
    { pid: 1, ppid: 0 },
    { pid: 100, ppid: 1 }, // the bridge
    { pid: 200, ppid: 100 }, // a Claude CLI
    { pid: 201, ppid: 200 }, // its Bash tool's shell
    { pid: 202, ppid: 201 }, // what the shell runs
    { pid: 300, ppid: 100 }, // another CLI
    { pid: 400, ppid: 1 }, // unrelated
  ];
  const rss: Record<number, number> = { 1: 5, 100: 50, 200: 200, 201: 3, 202: 40, 300: 180, 400: 999 };

  it("sums each CLI with its children and their children, nothing else", () => {
    expect(descendants(200, table).sort()).toEqual([200, 201, 202]);
    const sums = treeRss([200, 300], table, (pid) => rss[pid] ?? null);
    expect(Object.fromEntries(sums)).toEqual({ 200: 243, 300: 180 });
  });

  it("a process gone between the reads counts as 0; a pid loop counts once", () => {
    expect(treeRss([200], table, (pid) => (pid === 202 ? null : (rss[pid] ?? null))).get(200)).toBe(203);
    const loop = [
      { pid: 5, ppid: 6 },
      { pid: 6, ppid: 5 },
    ];
    expect(descendants(5, loop).sort()).toEqual([5, 6]);
  });

  it("a root missing from the table is its own tree", () => {
    expect(treeRss([777], table, () => 10).get(777)).toBe(10);
  });
});
