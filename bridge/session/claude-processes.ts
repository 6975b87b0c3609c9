import type { PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import { ClaudeRun, type PermissionAsk, type RunOptions } from "../claude/claude-run.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { UserContent } from "./attachments.ts";

export type ProcessHooks = {
  onEvent(proc: number, e: RunEvent): void;
  onExit(proc: number, error: string | null): void;
  ask(p: PermissionAsk): Promise<PermissionResult>;
  onSpawn(pid: number): void;
};

export type ProcessOptions = Omit<RunOptions, "onEvent" | "onExit" | "ask" | "onSpawn">;

/**
 * A session's Claude processes under the ids the session machine gave them, from spawn to exit.
 * An id without a process is one that failed to start; its exit has been reported already.
 */
export class ClaudeProcesses {
  #runs = new Map<number, ClaudeRun>();
  readonly #hooks: ProcessHooks;

  constructor(hooks: ProcessHooks) {
    this.#hooks = hooks;
  }

  get(proc: number): ClaudeRun | null {
    return this.#runs.get(proc) ?? null;
  }

  /** Starts process `proc`; a failure to start is reported as its exit. */
  spawn(proc: number, options: ProcessOptions): void {
    const h = this.#hooks;
    try {
      const run = new ClaudeRun({
        ...options,
        onEvent: (e) => h.onEvent(proc, e),
        onExit: (error) => {
          this.#runs.delete(proc);
          h.onExit(proc, error);
        },
        ask: (p) => h.ask(p),
        onSpawn: (pid) => h.onSpawn(pid),
      });
      this.#runs.set(proc, run);
    } catch (err) {
      h.onExit(proc, (err as Error).message);
    }
  }

  send(proc: number, content: UserContent): void {
    this.get(proc)?.send(content);
  }

  /** Asks the CLI to stop the turn; false when it did not answer within `ms`. */
  async interrupt(proc: number, ms: number): Promise<boolean> {
    return (await this.get(proc)?.interrupt(ms)) ?? true;
  }

  close(proc: number): void {
    void this.get(proc)?.close();
  }

  /** Waits until every process has exited. */
  async settled(): Promise<void> {
    await Promise.all([...this.#runs.values()].map((r) => r.done));
  }
}
