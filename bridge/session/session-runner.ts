import { getSessionInfo } from "@anthropic-ai/claude-agent-sdk";
import type { PermissionMode, StoredMsg } from "../../shared/protocol/index.ts";
import type { ClaudeRun } from "../claude/claude-run.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { SleptWhy } from "../events/lifecycle-event.ts";
import { noEvents } from "../events/recorder.ts";
import { skippedText } from "../link/guard.ts";
import type { RoomLink, SkipReason } from "../link/room-link.ts";
import { inputContent, keepChunk } from "./attachments.ts";
import { ClaudeProcesses } from "./claude-processes.ts";
import { Deltas } from "./deltas.ts";
import { followMode } from "./follow-mode.ts";
import { stopLeftover } from "./leftover.ts";
import { Permissions } from "./permissions.ts";
import type { InputRecord, SessionRecord } from "./registry.ts";
import { Serial } from "./serial.ts";
import { SessionCatalog } from "./session-catalog.ts";
import { handleControl } from "./session-control.ts";
import type { SessionDeps } from "./session-deps.ts";
import { forwardOutput, machineEventOf } from "./session-events.ts";
import { SessionHolds } from "./session-holds.ts";
import { handleUserMessage } from "./session-intake.ts";
import { SessionLife } from "./session-life.ts";
import {
  canSleep,
  type Effect,
  holdsProcess,
  type Input,
  initialMachine,
  liveProc,
  type Machine,
  type MachineEvent,
  step,
  turnInput,
} from "./session-machine.ts";
import { SessionRoom } from "./session-room.ts";
import { SessionTasks } from "./session-tasks.ts";
import { stopRunningTasks } from "./task-control.ts";
import { derivedMid } from "./turn-mids.ts";

const INTERRUPT_MS = 5000;

type Pending = MachineEvent | (() => MachineEvent);

/**
 * One session room and its Claude process. Inputs (user messages, first prompts, commands) are
 * recorded durably, then run one turn at a time: turn.started, Claude's output, turn.result.
 * Which turn is where is decided by the pure session machine; this class feeds it events, one at a
 * time, and performs the effects it returns.
 */
export class SessionRunner {
  lastActive = Date.now();
  /** The current Claude process's pid, while it runs (for the live-memory budget). */
  pid: number | null = null;
  readonly permissions: Permissions;
  readonly deltas: Deltas;
  /** Claude's todo list and the session's subagents and background tasks. */
  readonly tasks: SessionTasks;
  /** The record and the room's session.* and turn.* messages. */
  readonly out: SessionRoom;
  readonly deps: SessionDeps;
  /** The CLI's commands, models and context fill, published beside the turns. */
  readonly catalog: SessionCatalog;
  /** The input held for a usage limit or the account, and auto-continue. */
  readonly holds: SessionHolds;
  #machine: Machine;
  readonly #procs: ClaudeProcesses;
  /** Events wait here while an earlier one's effects run (an effect may cause an event). */
  readonly #events = new Serial<Pending>((e) => this.#apply(e));
  #idle: NodeJS.Timeout | null = null;
  /** What the session's life looks like to the event log (docs/events.md). */
  readonly #life: SessionLife;

  constructor(record: SessionRecord, link: RoomLink, deps: SessionDeps) {
    this.deps = deps;
    this.#life = new SessionLife(record.room, deps.events ?? noEvents);
    this.#machine = initialMachine(record.state === "ended" ? "ended" : "open");
    this.out = new SessionRoom(record, link, deps);
    this.permissions = new Permissions({
      room: record.room,
      link,
      registry: deps.registry,
      timeoutMs: deps.permissionTimeoutMs,
      onChange: () => this.#dispatch({ t: "waits", count: this.permissions.size }),
      onGrants: () => this.out.publishInfo(),
      onRefused: (requestId, code, text) => this.out.refusedResponse(code, text, { requestId }),
      title: () => this.out.record.title,
      events: deps.events ?? noEvents,
    });
    this.deltas = new Deltas(link);
    this.tasks = new SessionTasks(link, {
      load: () => deps.registry.todoList(record.room),
      save: (saved) => deps.registry.setTodoList(record.room, saved),
    });
    this.catalog = new SessionCatalog(this.out, deps.log);
    this.holds = new SessionHolds({
      room: record.room,
      registry: deps.registry,
      out: this.out,
      account: deps.account,
      autoContinue: deps.autoContinue ?? true,
      continueHeld: () => this.continueHeld(),
      // A new process reads the credentials afresh when the input continues.
      sleep: () => void this.sleep("hold"),
    });
    this.#procs = new ClaudeProcesses({
      onEvent: (proc, e) => this.#onRunEvent(proc, e),
      onExit: (proc, error) => this.#onExit(proc, error),
      ask: (p) => this.permissions.ask(p, turnInput(this.#machine)?.mid ?? null),
      onSpawn: (pid) => {
        this.pid = pid;
        deps.registry.setPid(record.room, pid);
      },
    });
  }

  get room(): string {
    return this.out.room;
  }

  get link(): RoomLink {
    return this.out.link;
  }

  /** The session's Claude process (also while it is closing), if any. */
  get run(): ClaudeRun | null {
    const proc = this.#machine.proc;
    return proc ? this.#procs.get(proc.id) : null;
  }

  /** After (re)start: settle what an earlier process left behind, then carry on with pending input. */
  recover(): void {
    stopLeftover(this.deps.registry.pid(this.room), this.deps.log);
    this.deps.registry.setPid(this.room, null);
    this.permissions.cancelOrphans();
    this.#dispatch(() => ({
      t: "recover",
      started: this.deps.registry.inputs(this.room, "started").map(inputOf),
      pending: this.#pending(),
      held: this.deps.registry.held(this.room),
      claudeSession: this.out.record.claudeSessionId !== null,
    }));
  }

  onMessage(msg: StoredMsg): void {
    if (msg.role !== "controller") return;
    this.lastActive = Date.now();
    if (msg.kind === "attachment.chunk") {
      // None is kept for an ended session: it runs no message that could name it.
      if (this.out.record.state !== "ended") keepChunk(this.deps.registry, this.room, msg.body);
      return;
    }
    if (msg.kind === "user.message") return handleUserMessage(this, msg);
    handleControl(this, msg);
  }

  /** A controller's message the link skipped: its sender is told, naming it; the room goes on. */
  onSkipped(msg: StoredMsg, reason: SkipReason): void {
    if (msg.role !== "controller") return;
    const text = skippedText(reason);
    this.out.notice("error", "message_skipped", text, msg.mid, derivedMid("sk", msg.mid));
  }

  /** An input was recorded: the machine reads the registry's pending inputs when it gets to it. */
  kick(): void {
    this.#dispatch(() => ({ t: "inputs", pending: this.#pending() }));
  }

  /** Ends the session: its process goes, unrun inputs are answered with a notice, the room stays readable. */
  async end(reason = "ended from the phone"): Promise<void> {
    this.#life.ending(reason);
    const run = this.run;
    this.#dispatch({ t: "end" });
    await run?.done;
  }

  /** The bridge shuts down: every process of this session goes, and nothing starts after. */
  async stop(): Promise<void> {
    this.#life.stopping();
    this.#dispatch({ t: "stop" });
    await this.#procs.settled();
  }

  /** Lets the process go (`why`: for the event log); the next input resumes the same Claude session. */
  async sleep(why: SleptWhy = "idle"): Promise<void> {
    this.#life.sleeping(why);
    const run = this.run;
    this.#dispatch({ t: "sleep" });
    if (run?.closing) await run.done;
  }

  /** The session continues a Claude session it did not start: its first process resumes an import. */
  imported(): void {
    this.#life.imported();
  }

  /** Background work (a subagent, a shell) keeps the process awake after its turn. */
  isIdle(): boolean {
    return canSleep(this.#machine) && this.tasks.running().length === 0;
  }

  /** Counted by the live-process cap, also while a process is being started. */
  holdsProcess(): boolean {
    return holdsProcess(this.#machine);
  }

  /** Stops the turn and the session's background work with it (docs/protocol.md §9.9). */
  interrupt(): void {
    this.#dispatch({ t: "interrupt" });
    void stopRunningTasks(this);
  }

  /** The held input is tried again now (its reset came, the account may work, or the phone asked). */
  continueHeld(): void {
    this.#dispatch({ t: "continue" });
  }

  setAutoContinue(on: boolean): void {
    this.holds.setAutoContinue(on);
  }

  #dispatch(e: Pending): void {
    this.#events.push(e);
  }

  /** Steps the machine and performs its effects; a failure ends the turn at hand instead of hanging it. */
  #apply(next: Pending): void {
    let e: MachineEvent | null = null;
    try {
      e = typeof next === "function" ? next() : next;
      const { state, effects } = step(this.#machine, e);
      this.#machine = state;
      for (const effect of effects) this.#perform(effect);
    } catch (err) {
      this.#log(err as Error);
      // Failing again while ending a turn for a failure: logged, not looped.
      if (e?.t !== "failed") this.#dispatch({ t: "failed", error: (err as Error).message });
    }
  }

  #log(err: Error): void {
    this.deps.log.error("session failed", { room: this.room, error: err.stack ?? err.message });
  }

  #perform(e: Effect): void {
    this.#life.effect(e, this.out.record);
    switch (e.t) {
      case "turn_started":
        return this.out.turnStarted(e.input);
      case "turn_result":
        return this.out.turnResult(e.inputMid, e.outcome);
      case "ended_notice":
        return this.out.endedNotice(e.inputMid);
      case "started_fresh":
        return this.out.startedFresh(e.inputMid, e.why);
      case "mark":
        this.holds.marked(e.mid);
        return this.deps.registry.setInput(e.mid, e.state);
      case "hold":
        return this.holds.hold(e.held);
      case "status":
        // Its chunks go now rather than after 7 days; before the state is published, so whoever
        // sees the session ended finds them gone.
        if (e.state === "ended") this.deps.registry.dropChunks(this.room);
        return this.out.setState(e.state, e.detail);
      case "session_id":
        return this.out.follow(e.sessionId, e.clearing);
      case "prepare":
        return void this.#prepare(e.inputMid);
      case "spawn":
        return this.#spawn(e.proc);
      case "send":
        return this.#procs.send(
          e.proc,
          e.attach ? inputContent(this.deps.registry, this.room, e.text, e.attach) : e.text,
        );
      case "interrupt":
        return this.#interrupt(e.proc, e.inputMid);
      case "close":
        return this.#procs.close(e.proc);
      case "cancel_prompts":
        return this.permissions.cancelAll(e.reason);
      case "idle_timer":
        return this.#idleTimer(e.arm);
      case "log":
        return this.deps.log[e.level](e.message, { room: this.room, ...e.fields });
    }
  }

  /** Admits a new process (the live-process cap) and checks that the transcript to resume exists. */
  async #prepare(inputMid: string): Promise<void> {
    try {
      await this.deps.admit(this.room);
      const resume = this.out.record.claudeSessionId;
      // Without `dir`: a session resumed from another project is found wherever its transcript is.
      const missing = resume !== null && !(await getSessionInfo(resume));
      this.#dispatch({ t: "prepared", inputMid, missing });
    } catch (err) {
      this.#log(err as Error);
      this.#dispatch({ t: "prepare_failed", inputMid, error: (err as Error).message });
    }
  }

  #spawn(proc: number): void {
    const r = this.out.record;
    this.#procs.spawn(proc, {
      cwd: r.cwd,
      resume: r.claudeSessionId,
      permissionMode: r.permissionMode as PermissionMode,
      model: r.model,
    });
    const run = this.#procs.get(proc);
    if (run) this.catalog.started(run);
  }

  /** Claude's events; those of a process that is no longer current are dropped. */
  #onRunEvent(proc: number, e: RunEvent): void {
    if (this.#machine.proc?.id !== proc) return;
    this.lastActive = Date.now();
    if (e.t === "init" || e.t === "result") this.deps.measure?.();
    if (e.t === "delta" || e.t === "assistant") this.#life.output();
    const run = this.#procs.get(proc);
    if (run && this.catalog.onEvent(e, run)) return;
    if (run && e.t === "result") this.catalog.turnEnded(run);
    if (this.holds.onRunEvent(e)) return;
    if (e.t === "init") this.tasks.claudeSession(e.sessionId);
    const event = machineEventOf(proc, e);
    if (event?.t === "result") this.holds.turnEnded(event.outcome);
    if (event) this.#dispatch(event);
    else if (e.t === "task") this.tasks.onTask(e.task);
    else if (e.t === "delta" || e.t === "assistant" || e.t === "tool_result") {
      this.tasks.onOutput(e);
      forwardOutput(this.link, this.deltas, e);
    } else if (e.t === "mode" && followMode(this.out, e.mode) === "unknown")
      this.deps.log.info("the CLI is in a mode Tether does not offer", {
        room: this.room,
        mode: e.mode.slice(0, 40),
      });
  }

  #onExit(proc: number, error: string | null): void {
    if (this.#machine.proc?.id === proc) {
      this.pid = null;
      this.deps.registry.setPid(this.room, null);
      this.tasks.processEnded();
      this.#life.exited(error);
    }
    this.deltas.flush();
    this.#dispatch({ t: "exited", proc, error });
  }

  /** Asks the CLI to stop; if it does not answer in time, the machine decides whether to close it. */
  #interrupt(proc: number, inputMid: string): void {
    void this.#procs.interrupt(proc, INTERRUPT_MS).then((answered) => {
      if (!answered) this.#dispatch({ t: "interrupt_unanswered", proc, inputMid });
    });
  }

  /** The process that takes mode and model changes now, if any. */
  liveRun(): ClaudeRun | null {
    const proc = liveProc(this.#machine);
    return proc === null ? null : this.#procs.get(proc);
  }

  #idleTimer(arm: boolean): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    if (!arm) return;
    this.#idle = setTimeout(() => {
      // Background work outlives its turn: the process sleeps once that is done too.
      if (this.tasks.running().length > 0) this.#idleTimer(true);
      else void this.sleep();
    }, this.deps.idleSleepMs);
    this.#idle.unref();
  }

  #pending(): Input[] {
    return this.deps.registry.inputs(this.room, "pending").map(inputOf);
  }
}

function inputOf(r: InputRecord): Input {
  return { mid: r.mid, text: r.text, kind: r.kind, ...(r.attachments ? { files: true as const } : {}) };
}
