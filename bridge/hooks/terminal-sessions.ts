import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { PermissionMode } from "../../shared/protocol/index.ts";
import { skippedText } from "../link/guard.ts";
import type { OpenOptions } from "../link/relay-client.ts";
import type { RoomHandlers, RoomLink } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import type { Registry, SessionRecord } from "../session/registry.ts";
import { SessionRoom } from "../session/session-room.ts";
import { derivedMid } from "../session/turn-mids.ts";
import type { HookAnswer, HookInput } from "./hook-input.ts";
import { hookWaitMs } from "./hook-input.ts";
import { TerminalSession } from "./terminal-session.ts";
import type { TerminalStore } from "./terminal-store.ts";

export type TerminalSessionsOptions = {
  registry: Registry;
  store: TerminalStore;
  machineId: string;
  log: Logger;
  open(room: string, handlers: RoomHandlers, options?: OpenOptions): RoomLink;
  changed(): void;
};

/** The bridge answers a held PermissionRequest this long before `tether hook` gives up on it. */
const HOLD_MARGIN_MS = 10_000;

/**
 * Claude sessions started in a terminal (docs/hooks.md): each gets a session room at its first hook
 * event, listed with the machine's sessions and marked `origin: "terminal"`. The SDK runner never
 * starts or resumes them; they live as long as the terminal's process reports.
 */
export class TerminalSessions {
  #open = new Map<string, TerminalSession>();
  private readonly o: TerminalSessionsOptions;

  constructor(o: TerminalSessionsOptions) {
    this.o = o;
  }

  isTerminal(room: string): boolean {
    return this.o.store.isTerminal(room);
  }

  /** `cwd`: the session's directory, already checked to be under the roots (a real path). */
  onHook(input: HookInput, cwd: string): Promise<HookAnswer> {
    return this.#session(input, cwd).onHook(input);
  }

  /** Opens a known terminal session's room (keys owed there); false if the room is not one. */
  openRoom(room: string): boolean {
    const t = this.o.store.byRoom(room);
    const record = this.o.registry.get(room);
    if (!t || !record) return false;
    if (!this.#open.has(t.claudeSessionId)) this.#attach(record, {});
    return true;
  }

  stop(): void {
    for (const s of this.#open.values()) s.stop();
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
    const session = this.#attach(record, { fresh: true });
    session.out.publishInfo();
    session.out.link.send("session.status", { state: record.state, at: now });
    return session;
  }

  #attach(record: SessionRecord, options: OpenOptions): TerminalSession {
    const t = this.o.store.byRoom(record.room);
    if (!t) throw new Error("terminal session without its store row");
    let session: TerminalSession | null = null;
    const link = this.o.open(
      record.room,
      {
        onMessage: (msg) => session?.onMessage(msg),
        onSkipped: (msg, reason) => {
          if (msg.role !== "controller") return;
          session?.out.notice(
            "error",
            "message_skipped",
            skippedText(reason),
            msg.mid,
            derivedMid("sk", msg.mid),
          );
        },
        onRejected: (mid, code, message) => session?.permissions.rejected(mid, `${code}: ${message}`),
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
    });
    this.#open.set(t.claudeSessionId, session);
    return session;
  }
}
