import { randomBytes } from "node:crypto";
import type { PermissionMode } from "../../shared/protocol/index.ts";
import type { Caps } from "../config.ts";
import { type EventSink, noEvents } from "../events/recorder.ts";
import type { OpenOptions } from "../link/relay-client.ts";
import type { RoomHandlers, RoomLink } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import type { AccountHooks } from "../machine/account-watch.ts";
import { type CapStatus, LiveCap, sleptForCapText } from "./live-cap.ts";
import { sleptForMemoryText } from "./memory-budget.ts";
import { type LiveProcess, type MemoryStatus, MemoryWatch, type SleptForMemory } from "./memory-watch.ts";
import { readTreeRss } from "./proc-memory.ts";
import type { Registry, SessionRecord } from "./registry.ts";
import type { SessionDeps } from "./session-deps.ts";
import { SessionRunner } from "./session-runner.ts";

export type NewSession = {
  cwd: string;
  title: string;
  permissionMode: PermissionMode;
  resumeClaudeSessionId: string | null;
};

export type SessionsOptions = {
  registry: Registry;
  machineId: string;
  log: Logger;
  idleSleepMs: number;
  maxLive: number;
  caps: Caps;
  permissionTimeoutMs: number | null;
  open(room: string, handlers: RoomHandlers, options?: OpenOptions): RoomLink;
  changed(): void;
  /** Claude Code's account (machine.account); inputs held for it wait on it. */
  account?: AccountHooks;
  /** A usage-limited input continues by itself after the reset (default true; per session too). */
  autoContinue?: boolean;
  /** A room run by a terminal's Claude process (docs/hooks.md): never started or resumed here. */
  isTerminal?(room: string): boolean;
  /** The room of a terminal's Claude session with this id, if there is one (docs/protocol.md §9.6.2). */
  terminalRoomOf?(claudeSessionId: string): string | null;
  /** The room is run by a terminal now (not handed to the SDK runner): listed with `origin`. */
  runsInTerminal?(room: string): boolean;
  /**
   * Bytes the live Claude processes (with their children) may hold together (`--max-live-memory`);
   * null or absent: only the count cap (`maxLive`) applies.
   */
  maxLiveMemory?: number | null;
  /** Where sessions' lives are recorded (docs/events.md). */
  events?: EventSink;
};

/**
 * Reading /proc for a handful of processes costs well under a millisecond; every 5 s catches a
 * process that grows during a long turn soon enough, and each spawn and turn end measures too.
 */
export const MEMORY_INTERVAL_MS = 5_000;

/** Every session of this machine: creation, lookup, the live-process and memory caps, and shutdown. */
export class Sessions {
  #runners = new Map<string, SessionRunner>();
  #deps: SessionDeps;
  readonly #memory: MemoryWatch;
  readonly #cap: LiveCap;

  private readonly o: SessionsOptions;
  constructor(o: SessionsOptions) {
    this.o = o;
    this.#cap = new LiveCap(o.maxLive);
    this.#deps = {
      registry: o.registry,
      machineId: o.machineId,
      log: o.log,
      idleSleepMs: o.idleSleepMs,
      maxQueued: o.caps.maxQueued,
      permissionTimeoutMs: o.permissionTimeoutMs,
      admit: (room) => this.#admit(room),
      changed: () => o.changed(),
      ...(o.account ? { account: o.account } : {}),
      autoContinue: o.autoContinue ?? true,
      measure: () => this.#memory.measureSoon(),
      events: o.events ?? noEvents,
    };
    this.#memory = new MemoryWatch({
      budget: o.maxLiveMemory ?? null,
      intervalMs: MEMORY_INTERVAL_MS,
      read: readTreeRss,
      live: () => this.#liveProcesses(),
      sleep: (why) => this.#sleepForMemory(why),
      log: o.log,
    });
    this.#memory.start();
  }

  /**
   * Opens the room of every session that has not ended (which also fences any older bridge there),
   * and of an ended one whose last turn a crash left without its turn.result.
   */
  resumeAll(): void {
    for (const record of this.o.registry.all()) {
      if (this.o.isTerminal?.(record.room)) continue;
      const unsettled = this.o.registry.inputs(record.room, "started").length > 0;
      if (record.state !== "ended" || unsettled) this.#attach(record).recover();
    }
  }

  /**
   * Opens the room of a session not open here (an ended one), as resumeAll does for one a crash
   * left unsettled: keys it owes are granted there (docs/protocol.md §12.4). False if unknown.
   */
  openRoom(room: string): boolean {
    if (this.#runners.has(room)) return true;
    const record = this.o.registry.get(room);
    if (!record || this.o.isTerminal?.(room)) return false;
    this.#attach(record).recover();
    return true;
  }

  create(s: NewSession): SessionRunner {
    const now = Date.now();
    const record: SessionRecord = {
      room: `s-${randomBytes(16).toString("base64url")}`,
      cwd: s.cwd,
      title: s.title,
      claudeSessionId: s.resumeClaudeSessionId,
      transitionedFrom: null,
      state: s.resumeClaudeSessionId ? "sleeping" : "idle",
      permissionMode: s.permissionMode,
      model: null,
      createdAt: now,
      updatedAt: now,
    };
    this.o.registry.put(record);
    const resumeOf = s.resumeClaudeSessionId ? { resumeOf: s.resumeClaudeSessionId } : {};
    this.#deps.events?.record({ type: "session.created", room: record.room, ...resumeOf });
    // A new room: a message a phone sends before the bridge's hello is still for this session.
    const runner = this.#attach(record, { fresh: true });
    if (s.resumeClaudeSessionId) runner.imported();
    runner.out.publishInfo();
    runner.link.send("session.status", { state: record.state, at: now });
    return runner;
  }

  /**
   * Runs a room another part of the bridge opened (a terminal session the phone continues,
   * docs/protocol.md §9.6.2) as an ordinary session: its link stays the opener's.
   */
  adopt(record: SessionRecord, link: RoomLink): SessionRunner {
    const runner = new SessionRunner(record, link, this.#deps);
    runner.imported();
    this.#runners.set(record.room, runner);
    return runner;
  }

  /** Stops an adopted session's process and forgets its runner (the terminal took it back). */
  async release(room: string): Promise<void> {
    const runner = this.#runners.get(room);
    if (!runner) return;
    this.#runners.delete(room);
    await runner.stop();
  }

  /**
   * A terminal resumed this session (`claude --resume`, docs/protocol.md §9.6.2): its process stops
   * (a turn it ran ends there) and its link closes, so the terminal's mirror becomes the room's one
   * writer. The room's record, or null when there is none.
   */
  async handOver(room: string): Promise<SessionRecord | null> {
    const runner = this.#runners.get(room);
    if (runner) {
      this.#runners.delete(room);
      await runner.stop();
      runner.link.close();
    }
    return this.o.registry.get(room);
  }

  /**
   * The room a terminal's Claude session with this id has: a second room resuming it would make
   * two writers of one transcript, so the phone continues it in that room only.
   */
  terminalRoomOf(claudeSessionId: string): string | null {
    return this.o.terminalRoomOf?.(claudeSessionId) ?? null;
  }

  /** A terminal runs this room now (docs/protocol.md §9.6.2). */
  runsInTerminal(room: string): boolean {
    return this.o.runsInTerminal?.(room) ?? false;
  }

  /** The machine holds as many sessions not ended as it may (`caps.maxSessions`). */
  full(): boolean {
    return this.o.registry.all().filter((s) => s.state !== "ended").length >= this.o.caps.maxSessions;
  }

  get(room: string): SessionRunner | null {
    return this.#runners.get(room) ?? null;
  }

  /** Ends a session; an ended session (not opened since the restart) counts as ended already. */
  async end(room: string): Promise<boolean> {
    const runner = this.#runners.get(room);
    if (runner) await runner.end();
    return runner !== undefined || this.o.registry.get(room)?.state === "ended";
  }

  /** Live processes, counting those being started so two wakes cannot both pass the cap. */
  live(): number {
    return [...this.#runners.values()].filter((r) => r.holdsProcess()).length;
  }

  /** The live Claude processes' total resident bytes at the last measurement (null: not measured). */
  liveRssBytes(): number | null {
    return this.#memory.liveRssBytes();
  }

  /** The memory budget, the last measurement and the sessions slept for it. */
  memory(): MemoryStatus {
    return this.#memory.status();
  }

  /** The live-process cap and the sessions slept for it. */
  cap(): CapStatus {
    return this.#cap.status();
  }

  /** Stops every Claude process and waits for them: nothing starts after this, no orphans. */
  async close(): Promise<void> {
    this.#memory.stop();
    await Promise.all([...this.#runners.values()].map((r) => r.stop()));
  }

  #attach(record: SessionRecord, options: OpenOptions = {}): SessionRunner {
    let runner: SessionRunner | null = null;
    const link = this.o.open(
      record.room,
      {
        onMessage: (msg) => runner?.onMessage(msg),
        onSkipped: (msg, reason) => runner?.onSkipped(msg, reason),
        onRejected: (mid, code, message) => runner?.permissions.rejected(mid, `${code}: ${message}`),
        onFatal: (code, reason) =>
          this.o.log.error("session room refused the bridge", { room: record.room, code, reason }),
      },
      options,
    );
    runner = new SessionRunner(record, link, this.#deps);
    this.#runners.set(record.room, runner);
    return runner;
  }

  #liveProcesses(): LiveProcess[] {
    return [...this.#runners.values()].flatMap((r) =>
      r.pid === null ? [] : [{ room: r.room, pid: r.pid, idle: r.isIdle(), lastActive: r.lastActive }],
    );
  }

  /** Over the memory budget: the session sleeps if it is still idle, and its room is told why. */
  #sleepForMemory(why: SleptForMemory): boolean {
    const runner = this.#runners.get(why.room);
    if (!runner?.isIdle()) return false;
    void runner.sleep("memory");
    runner.out.notice("info", "slept_for_memory", sleptForMemoryText(why));
    return true;
  }

  /**
   * At most `maxLive` processes: the least recently used idle session goes to sleep first, and its
   * room is told why (as for memory).
   */
  async #admit(starting: string): Promise<void> {
    await this.#admitByCount(starting);
    await this.#memory.makeRoom(starting);
  }

  async #admitByCount(starting: string): Promise<void> {
    const others = [...this.#runners.values()].filter((r) => r.room !== starting);
    const victim = this.#cap.victim(this.live(), others);
    if (!victim) return;
    this.o.log.info("live-process cap reached; putting a session to sleep", { room: victim.room });
    const asleep = victim.sleep("cap");
    this.#cap.slept(victim.room);
    victim.out.notice("info", "slept_for_cap", sleptForCapText(this.o.maxLive));
    await asleep;
  }
}
