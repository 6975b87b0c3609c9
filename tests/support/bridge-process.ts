import type { ChildProcess } from "node:child_process";

/** A bridge child process: its output, its exit, and a kill that can take its Claude CLIs too. */
export class BridgeProcess {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;
  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /**
   * Signals the bridge and waits. SIGKILL goes to its whole process group (it and every Claude CLI
   * it started) unless `only` is set, which leaves its children running as a crash would.
   */
  async kill(signal: NodeJS.Signals = "SIGTERM", only = false): Promise<number | null> {
    if (this.child.exitCode === null && this.child.pid) {
      try {
        process.kill(signal === "SIGKILL" && !only ? -this.child.pid : this.child.pid, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
    return this.exited;
  }
}
