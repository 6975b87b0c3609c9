import { type ChildProcess, execFile, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { groupGone, signalGroup } from "./process-group.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const TETHER = join(ROOT, "bridge", "bin", "tether.ts");
const NODE_FLAGS = ["--disable-warning=ExperimentalWarning"];

/** Env for a tether process: the model is never reached (no test here runs a prompt), but never the real API. */
export function tetherEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    ANTHROPIC_API_KEY: "sk-not-used",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    ...extra,
  };
}

export type TetherRun = { code: number; stdout: string; stderr: string };

/** Runs a short `tether` command to completion (node directly: npx would add a second a call). */
export function runTether(
  args: string[],
  env: NodeJS.ProcessEnv = tetherEnv(),
  input?: string,
): Promise<TetherRun> {
  return new Promise((resolve) => {
    const child = execFile(
      NODE,
      [...NODE_FLAGS, TETHER, ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) });
      },
    );
    // `input`: what the command reads on stdin (e.g. a hook's JSON); otherwise stdin is closed at once.
    // A command may stop reading early (a hook refuses input over its size limit): EPIPE is expected.
    child.stdin?.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
    child.stdin?.end(input ?? "");
  });
}

/** Process groups still alive, so that a failing test run leaves nothing behind. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
});

/** A long-running `tether` (or `npm start`) in its own process group, with its output kept. */
export class TetherProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  /** `input`: its stdin is a pipe this test writes (`type`, `endInput`); otherwise none. */
  static start(
    args: string[],
    env: NodeJS.ProcessEnv = tetherEnv(),
    o: { input?: boolean } = {},
  ): TetherProcess {
    const options = spawnOptions(env);
    if (o.input) options.stdio[0] = "pipe";
    return new TetherProcess(spawn(NODE, [...NODE_FLAGS, TETHER, ...args], options));
  }

  /** `npm start -- args`, as a person types it. */
  static npmStart(args: string[], env: NodeJS.ProcessEnv = tetherEnv(), cwd = ROOT): TetherProcess {
    return new TetherProcess(spawn("npm", ["start", "--", ...args], { ...spawnOptions(env), cwd }));
  }

  private constructor(child: ChildProcess) {
    if (child.pid === undefined) throw new Error("could not spawn tether");
    this.child = child;
    this.pid = child.pid;
    live.add(this.pid);
    child.stdout?.on("data", (d: Buffer) => (this.stdout += stripVTControlCharacters(d.toString())));
    child.stderr?.on("data", (d: Buffer) => (this.stderr += stripVTControlCharacters(d.toString())));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** A line typed at its stdin (started with `input`). */
  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Ctrl-D: its stdin ends. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Waits until stdout matches `re`; fails early when the process exits. */
  async waitFor(re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.stdout);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(
          `tether exited (${this.child.exitCode ?? this.child.signalCode}) before ${re}\n${this.output()}`,
        );
      if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Signals the whole group (like Ctrl-C in a terminal) and waits until every member is gone. */
  async stop(signal: NodeJS.Signals = "SIGINT", ms = 20_000): Promise<number | null> {
    signalGroup(this.pid, signal);
    const code = await Promise.race([
      this.exited,
      new Promise<"timeout">((r) => setTimeout(r, ms, "timeout")),
    ]);
    if (code === "timeout")
      throw new Error(`tether did not exit within ${ms} ms of ${signal}\n${this.output()}`);
    if (!(await groupGone(this.pid, ms))) throw new Error(`process group ${this.pid} outlived tether`);
    live.delete(this.pid);
    return code;
  }

  async kill(): Promise<void> {
    signalGroup(this.pid, "SIGKILL");
    await groupGone(this.pid, 10_000);
    live.delete(this.pid);
  }

  output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

function spawnOptions(env: NodeJS.ProcessEnv) {
  return { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] as ("ignore" | "pipe")[] };
}
