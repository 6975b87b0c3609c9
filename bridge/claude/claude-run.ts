import { spawn } from "node:child_process";
import {
  type ModelInfo,
  type Options,
  type PermissionMode,
  type PermissionResult,
  type Query,
  query,
  type SDKControlGetContextUsageResponse,
  type SDKUserMessage,
  type SlashCommand,
} from "@anthropic-ai/claude-agent-sdk";
import { BRIDGE_RUN_ENV } from "../hooks/hook-input.ts";
import { InputQueue } from "./input-queue.ts";
import { mapSdk, type RunEvent } from "./map-sdk.ts";

export type PermissionAsk = {
  toolName: string;
  input: Record<string, unknown>;
  toolUseId: string;
  title: string | null;
  suggestions: unknown[];
  /** Aborted when the CLI withdraws the request (an interrupt while the prompt is pending). */
  signal: AbortSignal;
};

export type RunOptions = {
  cwd: string;
  resume: string | null;
  permissionMode: PermissionMode;
  model: string | null;
  onEvent(e: RunEvent): void;
  /** The process ended; `error` carries the SDK's message with the CLI's stderr tail. */
  onExit(error: string | null): void;
  ask(p: PermissionAsk): Promise<PermissionResult>;
  /** The CLI's pid, so a bridge that was killed can stop a CLI it left behind at its next start. */
  onSpawn?(pid: number): void;
};

const STDERR_TAIL = 4000;
const MODELS_MS = 5000;

/**
 * One long-lived Claude Code process: a `query()` whose streaming prompt stays open, so the same
 * process serves every turn of the session until it is closed.
 */
export class ClaudeRun {
  readonly done: Promise<void>;
  #input = new InputQueue<SDKUserMessage>();
  #query: Query;
  #stderr = "";
  #closing = false;

  /** close() was called: the process is on its way out and takes no more input. */
  get closing(): boolean {
    return this.#closing;
  }

  constructor(opts: RunOptions) {
    const options: Options = {
      cwd: opts.cwd,
      permissionMode: opts.permissionMode,
      includePartialMessages: true,
      systemPrompt: { type: "preset", preset: "claude_code" },
      settingSources: ["user", "project", "local"],
      canUseTool: (toolName, input, o) =>
        opts.ask({
          toolName,
          input,
          toolUseId: o.toolUseID,
          title: o.title ?? null,
          suggestions: o.suggestions ?? [],
          signal: o.signal,
        }),
      stderr: (chunk) => this.#keepStderr(chunk),
      // Our own spawn only to learn the pid; the SDK still owns stdin/stdout and the shutdown.
      spawnClaudeCodeProcess: (o) => {
        const child = spawn(o.command, o.args, {
          cwd: o.cwd,
          // Its hooks are not a terminal's (docs/hooks.md): `tether hook` leaves them alone.
          env: { ...o.env, [BRIDGE_RUN_ENV]: "1" },
          signal: o.signal,
          stdio: ["pipe", "pipe", "pipe"],
        });
        child.stderr.on("data", (d: Buffer) => this.#keepStderr(d.toString()));
        if (child.pid !== undefined) opts.onSpawn?.(child.pid);
        return child;
      },
    };
    if (opts.resume) options.resume = opts.resume;
    if (opts.model) options.model = opts.model;
    this.#query = query({ prompt: this.#input, options });
    this.done = this.#consume(opts);
  }

  /** One user message: text, or content blocks (text with attachments, docs/protocol.md §9.5.1). */
  send(content: SDKUserMessage["message"]["content"]): void {
    this.#input.push({ type: "user", message: { role: "user", content }, parent_tool_use_id: null });
  }

  /** Asks the CLI to stop the running turn; false when it did not answer within `ms`. */
  async interrupt(ms: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
    const answered = this.#query.interrupt().then(
      () => true,
      () => false,
    );
    return Promise.race([answered, timeout]);
  }

  /**
   * Stops one task (a subagent, a background shell) and what it started; the turn goes on. The CLI
   * confirms with a task_notification `stopped`. False when it did not answer within `ms`.
   */
  async stopTask(id: string, ms: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
    return Promise.race([this.#query.stopTask(id).then(() => true), timeout]);
  }

  async setPermissionMode(mode: PermissionMode): Promise<void> {
    await this.#query.setPermissionMode(mode);
  }

  async setModel(model: string | undefined): Promise<void> {
    await this.#query.setModel(model);
  }

  /** The models the CLI offers, or null when it did not say within a few seconds. */
  async models(): Promise<ModelInfo[] | null> {
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), MODELS_MS).unref());
    const listed = this.#query.supportedModels().catch(() => null);
    return Promise.race([listed, timeout]);
  }

  /** The slash commands the CLI offers (once it answered initialize), or null when not within `ms`. */
  async commands(ms: number): Promise<SlashCommand[] | null> {
    return within(this.#query.supportedCommands(), ms);
  }

  /** The models the CLI offers, or null when not within `ms`. */
  async modelList(ms: number): Promise<ModelInfo[] | null> {
    return within(this.#query.supportedModels(), ms);
  }

  /** How full the context is, from the last response's usage (no token-count calls); null when not within `ms`. */
  async contextUsage(ms: number): Promise<SDKControlGetContextUsageResponse | null> {
    return within(this.#query.getContextUsage({ detail: "summary" }), ms);
  }

  /** Ends the process (stdin closed, then SIGTERM/SIGKILL by the SDK) and waits for it. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#input.close();
    this.#query.close();
    await this.done;
  }

  #keepStderr(chunk: string): void {
    this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL);
  }

  async #consume(opts: RunOptions): Promise<void> {
    let error: string | null = null;
    try {
      for await (const message of this.#query) for (const event of mapSdk(message)) opts.onEvent(event);
    } catch (err) {
      if (!this.#closing)
        error = `${(err as Error).message}${this.#stderr ? `\nstderr: ${this.#stderr}` : ""}`;
      // Also when a handler threw: the process must not outlive this run.
      this.#closing = true;
      this.#input.close();
      this.#query.close();
    }
    opts.onExit(error);
  }
}

/** The promise's value, or null when it fails or takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());
  return Promise.race([p.catch(() => null), timeout]);
}
