import { getSessionInfo, type PermissionMode } from "@anthropic-ai/claude-agent-sdk";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { ClaudeRun } from "../claude/claude-run.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { Logger } from "../log.ts";
import type { RoomLink } from "../relay/room-link.ts";
import { clip } from "./clip.ts";
import { Deltas } from "./deltas.ts";
import { Permissions } from "./permissions.ts";
import type { InputRecord, Registry, SessionRecord, SessionState } from "./registry.ts";
import { handleControl } from "./session-control.ts";

export type SessionDeps = {
  registry: Registry;
  machineId: string;
  log: Logger;
  idleSleepMs: number;
  permissionTimeoutMs: number | null;
  /** Called before a process starts, so the live-process cap can put another session to sleep. */
  admit(runner: SessionRunner): Promise<void>;
  /** The session list changed (state, title, ids): the machine room republishes it. */
  changed(): void;
};

const NO_CONVERSATION = "No conversation found with session ID";

/**
 * One session room and its Claude process. Inputs (user messages and commands) are recorded
 * durably, then run one turn at a time: turn.started, Claude's output, turn.result.
 */
export class SessionRunner {
  run: ClaudeRun | null = null;
  turn: InputRecord | null = null;
  lastActive = Date.now();
  readonly permissions: Permissions;
  #deltas: Deltas;
  #pumping = false;
  #resumeFailed = false;
  #clearing = false;
  #idle: NodeJS.Timeout | null = null;

  record: SessionRecord;
  readonly link: RoomLink;
  readonly deps: SessionDeps;
  constructor(record: SessionRecord, link: RoomLink, deps: SessionDeps) {
    this.record = record;
    this.link = link;
    this.deps = deps;
    this.permissions = new Permissions(record.room, link, deps.registry, deps.permissionTimeoutMs, () =>
      this.#permissionsChanged(),
    );
    this.#deltas = new Deltas(link);
  }

  get room(): string {
    return this.record.room;
  }

  /** After (re)start: settle what an earlier process left behind, then carry on with pending input. */
  recover(): void {
    this.permissions.cancelOrphans();
    for (const input of this.deps.registry.inputs(this.room, "started")) {
      this.#finishTurn(input, {
        ok: false,
        subtype: "error_bridge_restarted",
        durationMs: 0,
        error: "the bridge restarted during this turn",
      });
    }
    if (this.record.state !== "ended") this.setState(this.record.claudeSessionId ? "sleeping" : "idle");
    void this.pump();
  }

  onMessage(msg: StoredMsg): void {
    if (msg.role !== "controller") return;
    this.lastActive = Date.now();
    if (msg.kind === "user.message") {
      const text = (msg.body as { text?: unknown } | null)?.text;
      if (typeof text !== "string" || text.length === 0)
        return this.deps.log.warn("ignoring user.message without text", { room: this.room, mid: msg.mid });
      if (this.record.state === "ended")
        return this.#notice("warn", "session_ended", "This session has ended; start a new one.", msg.mid);
      if (this.deps.registry.addInput(this.room, msg.mid, text)) void this.pump();
      return;
    }
    handleControl(this, msg);
  }

  /** Starts the next pending input when no turn is running. */
  async pump(): Promise<void> {
    if (this.#pumping || this.turn || this.record.state === "ended") return;
    const next = this.deps.registry.inputs(this.room, "pending")[0];
    if (!next) return;
    this.#pumping = true;
    try {
      this.turn = next;
      this.deps.registry.setInput(next.mid, "started");
      if (next.kind === "message") this.link.send("turn.started", { inputMid: next.mid });
      else if (next.kind === "prompt")
        this.link.send("turn.started", { inputMid: next.mid, text: next.text });
      else this.#clearing = true;
      this.setState("running");
      await this.#ensureRun(next.mid);
      this.run?.send(next.text);
    } finally {
      this.#pumping = false;
    }
  }

  async #ensureRun(inputMid: string): Promise<void> {
    if (this.#idle) clearTimeout(this.#idle);
    if (this.run) return;
    await this.deps.admit(this);
    let resume = this.record.claudeSessionId;
    if (resume && !(await getSessionInfo(resume, { dir: this.record.cwd }))) {
      this.#startedFresh(resume, "its transcript is missing", inputMid);
      resume = null;
    }
    this.#spawn(resume);
  }

  #spawn(resume: string | null): ClaudeRun {
    this.#resumeFailed = false;
    const run: ClaudeRun = new ClaudeRun({
      cwd: this.record.cwd,
      resume,
      permissionMode: this.record.permissionMode as PermissionMode,
      model: this.record.model,
      onEvent: (e) => this.#onEvent(e),
      onExit: (error) => this.#onExit(run, error),
      ask: (p) => this.permissions.ask(p, this.turn?.mid ?? null),
    });
    this.run = run;
    return run;
  }

  #onEvent(e: RunEvent): void {
    this.lastActive = Date.now();
    switch (e.t) {
      case "init":
        return this.#follow(e.sessionId);
      case "delta":
        return this.#deltas.push(e.messageId, e.index, e.text);
      case "assistant": {
        this.#deltas.done(e.id);
        const blocks = e.blocks.map((b) => (b.type === "tool_use" ? b : { ...b, ...clip(b.text) }));
        return void this.link.send("agent.message", { id: e.id, blocks });
      }
      case "tool_result": {
        const { text, truncated } = clip(e.content);
        return void this.link.send("tool.result", {
          toolUseId: e.toolUseId,
          isError: e.isError,
          content: text,
          ...(truncated ? { truncated } : {}),
        });
      }
      case "reset":
        this.#clearing = true;
        return;
      case "result":
        return this.#onResult(e);
    }
  }

  #onResult(e: Extract<RunEvent, { t: "result" }>): void {
    if (!e.ok && e.error?.includes(NO_CONVERSATION)) {
      this.#resumeFailed = true;
      return;
    }
    this.#follow(e.sessionId);
    const input = this.turn;
    if (input)
      this.#finishTurn(input, {
        ok: e.ok,
        subtype: e.subtype,
        durationMs: e.durationMs,
        costUsd: e.costUsd,
        usage: e.usage,
        error: e.error,
      });
    this.turn = null;
    this.#clearing = false;
    this.setState("idle");
    this.#armIdleSleep();
    void this.pump();
  }

  #onExit(run: ClaudeRun, error: string | null): void {
    if (this.run !== run) return;
    this.run = null;
    this.#deltas.flush();
    this.permissions.cancelAll("the Claude process ended");
    const input = this.turn;
    if (input && (this.#resumeFailed || error?.includes(NO_CONVERSATION))) {
      this.#startedFresh(this.record.claudeSessionId ?? "?", "Claude could not resume it", input.mid);
      this.#spawn(null).send(input.text);
      return;
    }
    if (error) this.deps.log.error("claude process failed", { room: this.room, error });
    if (input) {
      this.#finishTurn(input, {
        ok: false,
        subtype: error ? "error_process_exited" : "interrupted",
        durationMs: 0,
        error: error ?? "the Claude process was stopped",
      });
      this.turn = null;
    }
    if (this.record.state !== "ended") this.setState(error ? "error" : "sleeping", error ?? undefined);
    void this.pump();
  }

  #finishTurn(
    input: InputRecord,
    r: {
      ok: boolean;
      subtype: string;
      durationMs: number;
      costUsd?: number;
      usage?: unknown;
      error: string | null;
    },
  ): void {
    this.deps.registry.setInput(input.mid, "done");
    this.deps.log.info("turn finished", {
      room: this.room,
      inputMid: input.mid,
      ok: r.ok,
      subtype: r.subtype,
    });
    if (input.kind === "command") return;
    const body: Record<string, unknown> = {
      inputMid: input.mid,
      ok: r.ok,
      subtype: r.subtype,
      durationMs: r.durationMs,
    };
    if (r.costUsd !== undefined) body.costUsd = r.costUsd;
    if (r.usage !== undefined) body.usage = r.usage;
    if (r.error) body.error = r.error;
    this.link.send("turn.result", body);
  }

  /** The Claude session id comes only from init/result; a change after /clear is a transition. */
  #follow(sessionId: string): void {
    const current = this.record.claudeSessionId;
    if (!sessionId || sessionId === current) return;
    const now = Date.now();
    if (current && this.#clearing) {
      this.deps.registry.transition(this.room, current, sessionId, "clear", now);
      this.link.send("session.transition", {
        reason: "clear",
        fromClaudeSessionId: current,
        toClaudeSessionId: sessionId,
        at: now,
      });
      this.record = { ...this.record, claudeSessionId: sessionId, transitionedFrom: current };
    } else this.record = { ...this.record, claudeSessionId: sessionId };
    this.save();
    this.publishInfo();
  }

  #startedFresh(oldId: string, why: string, inputMid: string): void {
    this.record = { ...this.record, claudeSessionId: null };
    this.save();
    const text = `The previous Claude session (${oldId}) could not be resumed: ${why}. Started a fresh session; your message was re-sent.`;
    this.#notice("warn", "resume_failed_started_fresh", text, inputMid);
  }

  #notice(level: "info" | "warn" | "error", code: string, text: string, inputMid?: string): void {
    this.link.send("session.notice", { level, code, text, ...(inputMid ? { inputMid } : {}) });
  }

  #armIdleSleep(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => void this.sleep(), this.deps.idleSleepMs);
    this.#idle.unref();
  }

  /** Lets the process go; the next input resumes the same Claude session. */
  async sleep(): Promise<void> {
    if (!this.run || this.turn || this.permissions.size > 0) return;
    await this.run.close();
  }

  isIdle(): boolean {
    return this.run !== null && this.turn === null && this.permissions.size === 0;
  }

  setState(state: SessionState, detail?: string): void {
    if (this.record.state === state && !detail) return;
    this.record = { ...this.record, state, updatedAt: Date.now() };
    this.save();
    this.link.send("session.status", {
      state,
      at: Date.now(),
      ...(detail ? { detail: clip(detail, 4000).text } : {}),
    });
    this.deps.changed();
  }

  publishInfo(): void {
    const r = this.record;
    const body: Record<string, unknown> = {
      title: r.title,
      cwd: r.cwd,
      machineId: this.deps.machineId,
      permissionMode: r.permissionMode,
      createdAt: r.createdAt,
    };
    if (r.model) body.model = r.model;
    if (r.claudeSessionId) body.claudeSessionId = r.claudeSessionId;
    if (r.transitionedFrom) body.transitionedFrom = r.transitionedFrom;
    this.link.send("session.info", body);
    this.deps.changed();
  }

  save(): void {
    this.deps.registry.put({ ...this.record, updatedAt: Date.now() });
  }

  #permissionsChanged(): void {
    if (!this.turn) return;
    this.setState(this.permissions.size > 0 ? "awaiting_permission" : "running");
  }
}
