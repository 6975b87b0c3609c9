import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { PermissionMode, type StoredMsg } from "../../shared/protocol/index.ts";
import type { EventSink } from "../events/recorder.ts";
import { skippedText } from "../link/guard.ts";
import type { OpenOptions } from "../link/relay-client.ts";
import type { RoomHandlers, RoomLink } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import type { Registry, SessionRecord } from "../session/registry.ts";
import { SessionRoom } from "../session/session-room.ts";
import type { SessionRunner } from "../session/session-runner.ts";
import type { Sessions } from "../session/sessions.ts";
import { derivedMid } from "../session/turn-mids.ts";
import { processGone } from "./claude-pid.ts";
import type { HookAnswer, HookInput } from "./hook-input.ts";
import { hookWaitMs } from "./hook-input.ts";
import { TerminalSession } from "./terminal-session.ts";
import type { TerminalStore } from "./terminal-store.ts";

export type TerminalSessionsOptions = {
  registry: Registry;
  /** Runs a session the phone continued after its terminal ended, in the same room. */
  sessions: Pick<Sessions, "adopt" | "release" | "get" | "handOver">;
  store: TerminalStore;
  machineId: string;
  log: Logger;
  open(room: string, handlers: RoomHandlers, options?: OpenOptions): RoomLink;
  changed(): void;
  /** Where its prompts are recorded (docs/events.md). */
  events?: EventSink;
};

/** The bridge answers a held PermissionRequest this long before `tether hook` gives up on it. */
const HOLD_MARGIN_MS = 10_000;
/** How often the terminals' Claude processes are checked for a death without SessionEnd. */
const GONE_CHECK_MS = 10_000;

/**
 * Claude sessions started in a terminal (docs/hooks.md): each gets a session room at its first hook
 * event, listed with the machine's sessions and marked `origin: "terminal"`. The SDK runner never
 * starts or resumes them while the terminal runs them. Once the terminal ended (SessionEnd), a
 * phone's message hands the room to the SDK runner, which resumes the same Claude session there;
 * the terminal resuming it again takes it back after the runner's process stopped. One writer of
 * the transcript at a time (docs/protocol.md §9.6.2).
 */
export class TerminalSessions {
  #open = new Map<string, TerminalSession>();
  #goneCheck: NodeJS.Timeout | null = null;
  private readonly o: TerminalSessionsOptions;

  constructor(o: TerminalSessionsOptions) {
    this.o = o;
  }

  isTerminal(room: string): boolean {
    return this.o.store.isTerminal(room);
  }

  /** `cwd`: the session's directory, already checked to be under the roots (a real path). */
  async onHook(input: HookInput, cwd: string): Promise<HookAnswer> {
    const event = input.hook_event_name;
    // The bridge's own Claude processes run the user's hooks too (setting sources include "user");
    // `tether hook` drops them by TETHER_BRIDGE_RUN, and this catches any that still come.
    const ownRoom = this.#ownProcessRoom(input.claude_pid);
    if (ownRoom !== null) {
      this.o.log.info("ignoring a hook event of a Claude process the bridge runs itself", {
        room: ownRoom,
        event,
      });
      return { decision: null };
    }
    if (!(await this.#fromPhone(input))) return { decision: null };
    const session = this.#session(input, cwd);
    if (this.o.store.byRoom(session.room)?.handedOff) {
      if (event !== "SessionStart" || input.source !== "resume") {
        this.o.log.info(
          "ignoring a hook event of a session the bridge runs: only a terminal's SessionStart with source resume takes it back",
          { room: session.room, event, source: input.source?.slice(0, 32) },
        );
        return { decision: null };
      }
      await this.#takeBack(session, input);
    }
    return session.onHook(input);
  }

  /** Opens a known terminal session's room (keys owed there); false if the room is not one. */
  openRoom(room: string): boolean {
    const t = this.o.store.byRoom(room);
    const record = this.o.registry.get(room);
    if (!t || !record) return false;
    if (!this.#open.has(t.claudeSessionId)) this.#attach(record, {});
    return true;
  }

  /**
   * At start: the rooms the phone continued run on as ordinary sessions (Sessions.resumeAll skips
   * them); terminals whose Claude process died meanwhile are marked ended, now and every 10 s.
   */
  resumeAll(): void {
    for (const t of this.o.store.handedOff()) {
      const record = this.o.registry.get(t.room);
      const unsettled = this.o.registry.inputs(t.room, "started").length > 0;
      if (record && (record.state !== "ended" || unsettled)) this.openRoom(t.room);
    }
    this.#checkGone();
    this.#goneCheck ??= setInterval(() => this.#checkGone(), GONE_CHECK_MS).unref();
  }

  stop(): void {
    if (this.#goneCheck) clearInterval(this.#goneCheck);
    this.#goneCheck = null;
    for (const s of this.#open.values()) s.stop();
  }

  /** A terminal's `claude` killed (or its terminal closed) sends no SessionEnd: its pid tells. */
  #checkGone(): void {
    for (const t of this.o.store.withPid()) {
      if (t.claudePid === null || !processGone(t.claudePid, t.claudeStarted)) continue;
      const record = this.o.registry.get(t.room);
      if (!record) {
        this.o.store.setPid(t.room, null);
        continue;
      }
      const session = this.#open.get(t.claudeSessionId) ?? this.#attach(record, {});
      this.o.log.info("a terminal's Claude process went away without SessionEnd: the session ended", {
        room: t.room,
        pid: t.claudePid,
      });
      session.gone(t.claudePid);
      this.o.changed();
    }
  }

  /**
   * A session the phone started, resumed in a terminal: with its SessionStart (source resume) the
   * bridge's process stops and the room becomes a terminal session, its mirror going on from the
   * transcript's end (what the bridge ran is in the room already). Any other event of such a
   * session is ignored (false): only a resume may take it, never a second room for one transcript.
   */
  async #fromPhone(input: HookInput): Promise<boolean> {
    const id = input.session_id;
    if (this.#open.has(id) || this.o.store.byClaudeSession(id)) return true;
    const record = this.o.registry.all().find((r) => r.claudeSessionId === id);
    if (!record) return true;
    const event = input.hook_event_name;
    if (event !== "SessionStart" || input.source !== "resume") {
      this.o.log.info(
        "ignoring a hook event of a session the bridge runs: only a terminal's resume takes it",
        {
          room: record.room,
          event,
        },
      );
      return false;
    }
    const room = record.room;
    const latest = (await this.o.sessions.handOver(room)) ?? record;
    this.o.store.add(id, room);
    const session = this.#attach(latest, {});
    this.#terminalRuns(session, input, "a terminal took over a session started on the phone");
    return true;
  }

  /** The room whose Claude process (run by the bridge, not a terminal) has this pid; null if none. */
  #ownProcessRoom(pid: number | undefined): string | null {
    if (pid === undefined) return null;
    return this.o.registry.all().find((r) => this.o.registry.pid(r.room) === pid)?.room ?? null;
  }

  #session(input: HookInput, cwd: string): TerminalSession {
    const id = input.session_id;
    const live = this.#open.get(id);
    if (live) return live;
    const known = this.o.store.byClaudeSession(id);
    const record = known ? this.o.registry.get(known.room) : null;
    if (record) return this.#attach(record, {});
    return this.#create(input, cwd);
  }

  #create(input: HookInput, cwd: string): TerminalSession {
    const now = Date.now();
    const record: SessionRecord = {
      room: `s-${randomBytes(16).toString("base64url")}`,
      cwd,
      title: `Terminal: ${basename(cwd) || cwd}`,
      claudeSessionId: input.session_id,
      transitionedFrom: null,
      state: "idle",
      permissionMode: PermissionMode.safeParse(input.permission_mode).data ?? "default",
      model: null,
      createdAt: now,
      updatedAt: now,
    };
    this.o.registry.put(record);
    this.o.store.add(input.session_id, record.room);
    this.o.log.info("terminal session registered", { room: record.room, claudeSessionId: input.session_id });
    this.o.events?.record({ type: "session.created", room: record.room, terminal: true });
    const session = this.#attach(record, { fresh: true });
    session.out.publishInfo();
    session.out.link.send("session.status", { state: record.state, at: now });
    return session;
  }

  #attach(record: SessionRecord, options: OpenOptions): TerminalSession {
    const t = this.o.store.byRoom(record.room);
    if (!t) throw new Error("terminal session without its store row");
    let session: TerminalSession | null = null;
    const runner = (): SessionRunner | null =>
      this.o.store.byRoom(record.room)?.handedOff ? this.o.sessions.get(record.room) : null;
    const link = this.o.open(
      record.room,
      {
        onMessage: (msg) => {
          const r = runner();
          if (r) r.onMessage(msg);
          else session?.onMessage(msg);
        },
        onSkipped: (msg, reason) => {
          const r = runner();
          if (r) return r.onSkipped(msg, reason);
          if (msg.role !== "controller") return;
          session?.out.notice(
            "error",
            "message_skipped",
            skippedText(reason),
            msg.mid,
            derivedMid("sk", msg.mid),
          );
        },
        onRejected: (mid, code, message) =>
          (runner()?.permissions ?? session?.permissions)?.rejected(mid, `${code}: ${message}`),
        onFatal: (code, reason) =>
          this.o.log.error("terminal session room refused the bridge", { room: record.room, code, reason }),
      },
      options,
    );
    const out = new SessionRoom(record, link, {
      registry: this.o.registry,
      machineId: this.o.machineId,
      origin: "terminal",
      changed: () => this.o.changed(),
    });
    session = new TerminalSession(out, t, {
      registry: this.o.registry,
      store: this.o.store,
      log: this.o.log,
      holdMs: hookWaitMs("PermissionRequest") - HOLD_MARGIN_MS,
      takeOver: (msg) => this.#handOff(record.room, link, msg),
      ...(this.o.events ? { events: this.o.events } : {}),
    });
    this.#open.set(t.claudeSessionId, session);
    if (t.handedOff) this.o.sessions.adopt(record, link).recover();
    return session;
  }

  /**
   * The terminal ended and the phone wrote: the SDK runner resumes the same Claude session in this
   * room, with the message as its prompt. Only new messages follow the mirrored transcript.
   */
  #handOff(room: string, link: RoomLink, msg: StoredMsg): void {
    const record = this.o.registry.get(room);
    if (!record) return;
    this.o.store.setHandedOff(room, true);
    const sleeping: SessionRecord = { ...record, state: "sleeping", updatedAt: Date.now() };
    this.o.registry.put(sleeping);
    this.o.log.info("terminal session continued from the phone", { room });
    const runner = this.o.sessions.adopt(sleeping, link);
    runner.out.publishInfo();
    runner.link.send("session.status", { state: "sleeping", at: Date.now() });
    const text = "The terminal session had ended: it continues here, run by the bridge.";
    runner.out.notice("info", "continued_here", text, msg.mid, derivedMid("ch", msg.mid));
    runner.onMessage(msg);
    this.o.changed();
  }

  /**
   * The terminal resumed a session the bridge runs (SessionStart with source resume): the bridge's
   * process for it stops first (a turn it was running ends there), then the terminal has the room
   * again, its transcript read from where the bridge's process left it.
   */
  async #takeBack(session: TerminalSession, input: HookInput): Promise<void> {
    const room = session.room;
    await this.o.sessions.release(room);
    const record = this.o.registry.get(room);
    if (record) session.out.record = record;
    this.#terminalRuns(session, input, "terminal took its session back from the bridge");
  }

  /** The bridge's process stopped: the terminal runs the room, mirrored from the transcript's end. */
  #terminalRuns(session: TerminalSession, input: HookInput, logged: string): void {
    this.o.store.setHandedOff(session.room, false, session.transcriptEnd(input));
    session.reload();
    session.out.publishInfo();
    const text =
      "The session was resumed in the terminal: the bridge stopped its process; the terminal runs it now.";
    session.out.notice("info", "resumed_in_terminal", text);
    this.o.log.info(logged, { room: session.room });
    this.o.changed();
  }
}
