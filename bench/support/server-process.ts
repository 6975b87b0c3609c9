import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { signalGroup } from "../../tests/support/process-group.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const NODE = join(ROOT, "node_modules", ".bin", "node");

/** Process groups this run started; all of them are SIGKILLed if the run exits early. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pgid of live) killTree(pgid, "SIGKILL");
});

/**
 * A Node program in its own process group (detached), so that a kill reaches everything it
 * started. Servers print one JSON line `{"port":N}` once they listen.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  output = "";
  port = 0;

  /** Starts `script` and resolves once it printed its port. */
  static async start(
    script: string,
    args: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<ServerProcess> {
    const p = ServerProcess.spawn(script, args, env);
    p.port = await p.#firstPort(30_000);
    return p;
  }

  /** Starts `script` without waiting for anything (for programs that are not servers). */
  static spawn(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): ServerProcess {
    const child = spawn(NODE, ["--disable-warning=ExperimentalWarning", join(ROOT, script), ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    return new ServerProcess(child);
  }

  private constructor(child: ChildProcess) {
    if (child.pid === undefined) throw new Error("could not spawn a node child");
    this.child = child;
    this.pid = child.pid;
    live.add(this.pid);
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-256 * 1024);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** SIGTERM to the group (and every group its descendants made), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    // The groups are listed before any signal: once a parent dies, its children move to init.
    const groups = treeGroups(this.pid);
    signalGroups(groups, "SIGTERM");
    if (!(await groupsGone(groups, 10_000))) signalGroups(groups, "SIGKILL");
    if (!(await groupsGone(groups, 10_000))) throw new Error(`process groups ${groups} survived SIGKILL`);
    live.delete(this.pid);
  }

  async #firstPort(ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = /^\{"port":(\d+)\}$/m.exec(this.output);
      if (line) return Number(line[1]);
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`server did not report its port (exit ${this.child.exitCode}):\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * Signals the group `pgid` and the groups of all its descendants: bench/bridge.ts puts wrangler
 * and the bridge in groups of their own, which a signal to its group alone would miss.
 */
export function killTree(pgid: number, signal: NodeJS.Signals): void {
  signalGroups(treeGroups(pgid), signal);
}

function signalGroups(groups: readonly number[], signal: NodeJS.Signals): void {
  for (const g of groups) signalGroup(g, signal);
}

async function groupsGone(groups: readonly number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const alive = new Set(processes().map((p) => p.pgid));
    if (!groups.some((g) => alive.has(g))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

type Proc = { pid: number; ppid: number; pgid: number };

/** Process groups with a member that is in `pgid` or descends from a member of it. */
function treeGroups(pgid: number): number[] {
  const procs = processes();
  const inTree = new Set(procs.filter((p) => p.pgid === pgid).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return [...new Set(procs.filter((p) => inTree.has(p.pid)).map((p) => p.pgid))];
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name: state, ppid, pgrp, …
      const f = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      if (f[0] !== "Z") out.push({ pid: Number(entry), ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch (err) {
      // The process exited between readdir and read: it is no longer part of any tree.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "ESRCH")
        throw err;
    }
  }
  return out;
}
