import { getSessionInfo } from "@anthropic-ai/claude-agent-sdk";
import {
  type BodyOf,
  type NoticeLevel,
  type SessionNoticeCode,
  type SessionState,
  type StoredMsg,
  type TurnResultSubtype,
  UserMessage,
} from "../../shared/protocol/index.ts";
import { ClaudeRun } from "../claude/claude-run.ts";
import type { RoomLink } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import { clip } from "./clip.ts";
import { Deltas } from "./deltas.ts";
import { stopLeftover } from "./leftover.ts";
import { Permissions } from "./permissions.ts";
import type { InputRecord, Registry, SessionRecord } from "./registry.ts";
import { handleControl, interrupt } from "./session-control.ts";
import { onRunEvent } from "./session-events.ts";
import { derivedMid } from "./turn-mids.ts";

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

export type TurnOutcome = {
  ok: boolean;
  subtype: TurnResultSubtype;
  durationMs: number;
  costUsd?: number;
  usage?: unknown;
  error: string | null;
};

const NO_CONVERSATION = "No conversation found with session ID";

/**
 * One session room and its Claude process. Inputs (user messages, first prompts, commands) are
 * recorded durably, then run one turn at a time: turn.started, Claude's output, turn.result.
 */
export class SessionRunner {
  run: ClaudeRun | null = null;
  turn: InputRecord | null = null;
  /** The process the current turn was handed to; an exit of any other process is not its end. */
  turnRun: ClaudeRun | null = null;
  lastActive = Date.now();
  /** Counted by the live-process cap while a process is being started. */
  starting = false;
  stopping = false;
  interruptPending = false;
  resumeFailed = false;
  clearing = false;
  readonly permissions: Permissions;
  readonly deltas: Deltas;
  record: SessionRecord;
  readonly link: RoomLink;
  readonly deps: SessionDeps;
  #pumping = false;
  #idle: NodeJS.Timeout | null = null;

  constructor(record: SessionRecord, link: RoomLink, deps: SessionDeps) {
    this.record = record;
    this.link = link;
    this.deps = deps;
    this.permissions = new Permissions({
      room: record.room,
      link,
      registry: deps.registry,
      timeoutMs: deps.permissionTimeoutMs,
      onChange: () => this.#permissionsChanged(),
      // The running process switched already (the grant's setMode); later ones start in it.
      onMode: (mode) => {
        if (this.record.permissionMode === mode) return;
        this.record = { ...this.record, permissionMode: mode };
        this.save();
        this.publishInfo();
      },
    });
    this.deltas = new Deltas(link);
  }

  get room(): string {
    return this.record.room;
  }

  ended(): boolean {
    return this.record.state === "ended";
  }

  /** After (re)start: settle what an earlier process left behind, then carry on with pending input. */
  recover(): void {
    stopLeftover(this.deps.registry.pid(this.room), this.deps.log);
    this.deps.registry.setPid(this.room, null);
    this.permissions.cancelOrphans();
    for (const input of this.deps.registry.inputs(this.room, "started")) {
      this.finishTurn(input, {
        ok: false,
        subtype: "error_bridge_restarted",
        durationMs: 0,
        error: "the bridge restarted during this turn",
      });
    }
    this.setState(this.record.claudeSessionId ? "sleeping" : "idle");
    this.kick();
  }

  onMessage(msg: StoredMsg): void {
    if (msg.role !== "controller") return;
    this.lastActive = Date.now();
    if (msg.kind === "user.message") {
      const text = UserMessage.safeParse(msg.body).data?.text;
      if (text === undefined || text.trim().length === 0) {
        return this.notice("warn", "empty_message", "An empty message was not sent to Claude.", msg.mid);
      }
      if (this.record.state === "ended")
        return this.notice("warn", "session_ended", "This session has ended; start a new one.", msg.mid);
      if (this.deps.registry.addInput(this.room, msg.mid, text)) this.kick();
      return;
    }
    handleControl(this, msg);
  }

  /** Runs `pump` and turns any failure into a turn.result for the input at hand: nothing hangs. */
  kick(): void {
    this.pump().catch((err: Error) => this.#fail(err));
  }

  /** Starts the next pending input when no turn is running. */
  async pump(): Promise<void> {
    if (this.#pumping || this.turn || this.stopping || this.record.state === "ended") return;
    const next = this.deps.registry.inputs(this.room, "pending")[0];
    if (!next) return;
    this.#pumping = true;
    try {
      this.turn = next;
      if (next.kind === "command") this.clearing = true;
      else
        this.link.send(
          "turn.started",
          next.kind === "prompt" ? { inputMid: next.mid, text: next.text } : { inputMid: next.mid },
          derivedMid("ts", next.mid),
        );
      this.deps.registry.setInput(next.mid, "started");
      this.setState("running");
      const run = await this.#ensureRun(next.mid);
      if (this.ended() || this.stopping || this.turn !== next) return void run.close();
      this.turnRun = run;
      run.send(next.text);
      if (this.interruptPending) void interrupt(this);
    } finally {
      this.#pumping = false;
    }
  }

  async #ensureRun(inputMid: string): Promise<ClaudeRun> {
    if (this.#idle) clearTimeout(this.#idle);
    if (this.run?.closing) await this.run.done; // a sleep or interrupt fallback is letting it go
    if (this.run) return this.run;
    this.starting = true;
    try {
      await this.deps.admit(this);
      let resume = this.record.claudeSessionId;
      // Without `dir`: a session resumed from another project is found wherever its transcript is.
      if (resume && !(await getSessionInfo(resume))) {
        this.startedFresh(resume, "its transcript is missing", inputMid);
        resume = null;
      }
      return this.spawn(resume);
    } finally {
      this.starting = false;
    }
  }

  spawn(resume: string | null): ClaudeRun {
    this.resumeFailed = false;
    const run: ClaudeRun = new ClaudeRun({
      cwd: this.record.cwd,
      resume,
      permissionMode: this.record.permissionMode,
      allowances: this.deps.registry.allowances(this.room),
      model: this.record.model,
      onEvent: (e) => onRunEvent(this, run, e),
      onExit: (error) => this.#onExit(run, error),
      ask: (p) => this.permissions.ask(p, this.turn?.mid ?? null),
      onSpawn: (pid) => this.deps.registry.setPid(this.room, pid),
    });
    this.run = run;
    return run;
  }

  /** The current turn's result arrived: record it and move on. */
  endTurn(outcome: TurnOutcome): void {
    const input = this.turn;
    if (input) this.finishTurn(input, outcome);
    this.turn = null;
    this.turnRun = null;
    this.clearing = false;
    this.interruptPending = false;
    this.setState("idle");
    this.#armIdleSleep();
    this.kick();
  }

  #onExit(run: ClaudeRun, error: string | null): void {
    if (this.run === run) {
      this.run = null;
      this.deps.registry.setPid(this.room, null);
    }
    this.deltas.flush();
    this.clearing = false;
    const input = this.turnRun === run ? this.turn : null;
    if (input) this.permissions.cancelAll("the Claude process ended");
    if (input && !this.stopping && (this.resumeFailed || error?.includes(NO_CONVERSATION))) {
      this.startedFresh(this.record.claudeSessionId ?? "?", "Claude could not resume it", input.mid);
      this.turnRun = this.spawn(null);
      this.turnRun.send(input.text);
      return;
    }
    if (error) this.deps.log.error("claude process failed", { room: this.room, error });
    if (input) {
      const outcome = { ok: false, durationMs: 0, error: error ?? "the Claude process was stopped" };
      this.endTurn({ ...outcome, subtype: error ? "error_process_exited" : "interrupted" });
    }
    if (!this.run && !this.turn) this.setState(error ? "error" : "sleeping", error ?? undefined);
  }

  finishTurn(input: InputRecord, r: TurnOutcome): void {
    this.deps.log.info("turn finished", {
      room: this.room,
      inputMid: input.mid,
      ok: r.ok,
      subtype: r.subtype,
    });
    if (input.kind !== "command") {
      const body: BodyOf<"turn.result"> = {
        inputMid: input.mid,
        ok: r.ok,
        subtype: r.subtype,
        durationMs: r.durationMs,
      };
      if (r.costUsd !== undefined) body.costUsd = r.costUsd;
      if (r.usage !== undefined) body.usage = r.usage;
      if (r.error) body.error = clip(r.error, 8000).text;
      this.link.send("turn.result", body, derivedMid("tr", input.mid));
    }
    this.deps.registry.setInput(input.mid, "done");
  }

  /** A failure of the bridge itself while handling input: the turn ends with an error, the session stays usable. */
  #fail(err: Error): void {
    this.deps.log.error("session failed", { room: this.room, error: err.stack ?? err.message });
    const input = this.turn;
    this.turn = null;
    this.turnRun = null;
    if (input)
      this.finishTurn(input, { ok: false, subtype: "error_bridge", durationMs: 0, error: err.message });
    this.setState("error", err.message);
  }

  startedFresh(oldId: string, why: string, inputMid: string): void {
    this.record = { ...this.record, claudeSessionId: null };
    this.save();
    const text = `The previous Claude session (${oldId}) could not be resumed: ${why}. Started a fresh session; your message was re-sent.`;
    this.notice("warn", "resume_failed_started_fresh", text, inputMid, derivedMid("rf", inputMid));
  }

  notice(level: NoticeLevel, code: SessionNoticeCode, text: string, inputMid?: string, mid?: string): void {
    this.link.send("session.notice", { level, code, text, ...(inputMid ? { inputMid } : {}) }, mid);
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
    return this.run !== null && !this.run.closing && this.turn === null && this.permissions.size === 0;
  }

  /** Publishes a state change. Nothing brings an ended session back. */
  setState(state: SessionState, detail?: string): void {
    if (this.record.state === "ended" && state !== "ended") return;
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
    const body: BodyOf<"session.info"> = {
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
