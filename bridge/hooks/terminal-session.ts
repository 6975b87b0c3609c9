import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import type { EventSink } from "../events/recorder.ts";
import type { Logger } from "../log.ts";
import { clip } from "../session/clip.ts";
import { Permissions } from "../session/permissions.ts";
import type { Registry } from "../session/registry.ts";
import { parseControl } from "../session/session-control.ts";
import type { SessionRoom } from "../session/session-room.ts";
import type { TurnOutcome } from "../session/session-types.ts";
import { processStart } from "./claude-pid.ts";
import { type HookAnswer, type HookDecision, type HookInput, hookDecision } from "./hook-input.ts";
import { StopDelivery } from "./stop-delivery.ts";
import type { TerminalRecord, TerminalStore } from "./terminal-store.ts";
import { mirrorLine, readLines } from "./transcript-cursor.ts";
import { isPlainFile, transcriptPath } from "./transcript-path.ts";

export type TerminalSessionDeps = {
  registry: Registry;
  store: TerminalStore;
  log: Logger;
  /** How long a PermissionRequest hook is held for the phone; then the terminal's own dialog decides. */
  holdMs: number;
  /** A phone's message after the terminal ended: the bridge continues the session with it. */
  takeOver(msg: StoredMsg): void;
  events?: EventSink;
};

/** Whole transcript chunks read per event: a bound, the rest comes with the next event. */
const MAX_CHUNKS = 8;
/** The CLI may write the turn's last lines just after Stop: the turn is settled a moment later. */
const SETTLE_MS = 750;
/** A Notification's message on the phone (bytes): a line or two, never a wall of text. */
const NOTIFICATION_CHARS = 500;

type Asked = { requestId: string; toolUseId: string };

/**
 * A Claude session running in a terminal, mirrored into its room from the hook events it reports:
 * its transcript from a durable byte cursor, its state, and its permission prompts, which the phone
 * may answer while the terminal's own dialog stays usable (the first answer wins).
 */
export class TerminalSession {
  readonly out: SessionRoom;
  readonly permissions: Permissions;
  #t: TerminalRecord;
  #transcript: string | null = null;
  #preToolUse: { toolName: string; input: string; toolUseId: string }[] = [];
  #asked: Asked[] = [];
  #settle: NodeJS.Timeout | null = null;
  readonly #phone: StopDelivery;
  private readonly deps: TerminalSessionDeps;

  constructor(out: SessionRoom, t: TerminalRecord, deps: TerminalSessionDeps) {
    this.out = out;
    this.#t = t;
    this.deps = deps;
    this.#phone = new StopDelivery(out, deps.store.inbox, deps.log);
    this.permissions = new Permissions({
      room: out.room,
      link: out.link,
      registry: deps.registry,
      timeoutMs: null,
      onChange: () => undefined,
      onGrants: () => out.publishInfo(),
      onRefused: (requestId, code, text) => out.refusedResponse(code, text, { requestId }),
      title: () => out.record.title,
      onAsk: (requestId, ask) => this.#asked.push({ requestId, toolUseId: ask.toolUseId }),
      ...(deps.events ? { events: deps.events } : {}),
    });
  }

  get room(): string {
    return this.out.room;
  }

  async onHook(input: HookInput): Promise<HookAnswer> {
    this.#transcript = transcriptPath(input) ?? this.#transcript;
    const event = input.hook_event_name;
    if (event === "UserPromptSubmit") this.#t = { ...this.#t, inputAt: Date.now() };
    this.#trackPid(input);
    this.#phone.checkHanded(input);
    this.mirror();
    switch (event) {
      case "SessionStart":
        this.#revive();
        this.out.setState("idle");
        break;
      case "UserPromptSubmit":
        this.out.setState("running");
        break;
      case "PreToolUse":
        this.#rememberToolUse(input);
        this.out.setState("running");
        break;
      case "PostToolUse":
        if (input.tool_use_id) this.#terminalAnswered(input.tool_use_id, "allow");
        this.out.setState("running");
        break;
      case "PermissionRequest":
        return { decision: await this.#ask(input) };
      case "Stop": {
        // Answered at once (the hook's call waits 2 s at most): Claude goes on with the phone's words.
        const block = this.#phone.deliver();
        if (block) return { decision: null, block };
        this.#scheduleSettle();
        break;
      }
      case "SessionEnd":
        this.#settleTurn();
        this.#phone.undelivered();
        this.#end("the terminal session ended");
        break;
      case "Notification":
        this.#notification(input);
        break;
    }
    return { decision: null };
  }

  /**
   * A controller's message: answers to prompts, and user.messages, queued for the next Stop hook.
   * Commands and interrupts cannot reach a terminal's process.
   */
  onMessage(msg: StoredMsg): void {
    if (msg.role !== "controller") return;
    const c = parseControl(msg);
    if (c.t === "answer") {
      if (this.permissions.respond(c.requestId, c.answer) === "unknown")
        this.deps.log.info("ignoring a response to an unknown or already resolved permission request", {
          room: this.room,
          requestId: c.requestId.slice(0, 64),
        });
      return;
    }
    if (c.t === "bad_response")
      return this.out.refusedResponse(
        "bad_response",
        "The bridge could not read this permission answer.",
        c.ref,
      );
    // After the terminal ended, the phone's message continues the session here (the SDK runner).
    if (msg.kind === "user.message" && this.out.record.state === "ended") return this.deps.takeOver(msg);
    if (msg.kind === "user.message") return this.#phone.queue(msg);
    if (msg.kind === "session.command" || msg.kind === "session.interrupt") {
      const text = "This session runs in a terminal: commands and interrupts cannot reach it from here.";
      this.out.notice("error", "message_skipped", text, msg.mid);
    }
  }

  /**
   * Sends the transcript's new lines from the stored cursor, then saves the cursor. Lines that
   * settle a prompt still open here (the terminal answered it) resolve it.
   */
  mirror(): void {
    const path = this.#transcript;
    if (!path || !isPlainFile(path)) return;
    let cursor = this.#t.cursor;
    for (let i = 0; i < MAX_CHUNKS; i++) {
      const chunk = readLines(path, cursor);
      if (chunk.next === cursor) break;
      for (const line of chunk.lines) {
        for (const m of mirrorLine(line)) {
          this.out.link.send(m.kind, m.body, m.mid);
          if (m.kind === "turn.started") this.#t = { ...this.#t, inputMid: m.mid };
          if (m.kind === "tool.result")
            this.#terminalAnswered(m.body.toolUseId, m.body.isError ? "deny" : "allow");
        }
      }
      cursor = chunk.next;
    }
    this.#t = { ...this.#t, cursor };
    this.deps.store.save(this.#t);
  }

  /**
   * The terminal's Claude process went away without a SessionEnd (killed, its terminal closed): the
   * session ended there. A turn it was running ends unfinished, prompts still open are settled, and
   * messages still queued never run; a phone's next message continues the session here.
   */
  gone(pid: number): void {
    if (this.out.record.state !== "ended") this.#ended(pid);
    this.deps.store.setPid(this.room, null);
    this.#t = { ...this.#t, claudePid: null, claudeStarted: null };
  }

  #ended(pid: number): void {
    const error = "The terminal's Claude process went away before the turn ended.";
    this.#settleTurn({ ok: false, subtype: "error_during_execution", error });
    this.#phone.undelivered();
    const text =
      "The terminal's Claude process went away without its session end reaching the bridge (killed, its terminal closed, or it ended while the bridge was stopped). Send a message to continue the session here.";
    this.out.notice("warn", "terminal_gone", text, undefined, ownMid("tg", `${this.room} ${pid}`));
    this.#end("the terminal's Claude process went away");
  }

  /** The session ended in its terminal: recorded once (a session resumed there may end again). */
  #end(reason: string): void {
    if (this.out.record.state !== "ended")
      this.deps.events?.record({ type: "session.ended", room: this.room, reason });
    this.out.setState("ended");
  }

  /** The transcript's size now (bytes): where the terminal's mirror goes on after the bridge ran it. */
  transcriptEnd(input: HookInput): number {
    const path = transcriptPath(input) ?? this.#transcript;
    if (!path || !isPlainFile(path)) return this.#t.cursor;
    return lstatSync(path).size;
  }

  /** Reads the stored row again (the cursor moved while the bridge ran the session). */
  reload(): void {
    this.#t = this.deps.store.byRoom(this.room) ?? this.#t;
  }

  stop(): void {
    if (this.#settle) clearTimeout(this.#settle);
    this.#settle = null;
  }

  async #ask(input: HookInput): Promise<HookDecision | null> {
    const toolName = input.tool_name ?? "unknown";
    const toolInput = isRecord(input.tool_input) ? input.tool_input : {};
    const toolUseId = this.#toolUseIdOf(toolName, toolInput);
    const withdrawn = new AbortController();
    this.out.setState("awaiting_permission");
    const answer = this.permissions.ask(
      {
        toolName,
        input: toolInput,
        toolUseId,
        title: null,
        suggestions: input.permission_suggestions ?? [],
        signal: withdrawn.signal,
      },
      this.#t.inputMid,
    );
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.deps.holdMs);
    });
    const result = await Promise.race([answer, bound]);
    clearTimeout(timer);
    if (result === null) return null;
    if (this.out.record.state === "awaiting_permission") this.out.setState("running");
    return hookDecision(result, toolName);
  }

  /** The terminal went on with a tool the phone was asked about: its own answer came first. */
  #terminalAnswered(toolUseId: string, decision: "allow" | "deny"): void {
    const i = this.#asked.findIndex((a) => a.toolUseId === toolUseId);
    const asked = this.#asked[i];
    if (!asked) return;
    this.#asked.splice(i, 1);
    this.permissions.answer(asked.requestId, { decision, by: "terminal" });
  }

  /**
   * The pid of the terminal's Claude process, kept while it runs so its silent death is noticed;
   * forgotten at its SessionEnd.
   */
  #trackPid(input: HookInput): void {
    const pid = input.hook_event_name === "SessionEnd" ? null : (input.claude_pid ?? this.#t.claudePid);
    if (pid === this.#t.claudePid) return;
    const started = pid === null ? null : processStart(pid);
    this.deps.store.setPid(this.room, pid, started);
    this.#t = { ...this.#t, claudePid: pid, claudeStarted: started };
  }

  /** Claude Code's own notice (it needs a permission, it waits for input): shown on the phone too. */
  #notification(input: HookInput): void {
    const message = input.message?.trim();
    if (!message) return;
    const short = clip(message, NOTIFICATION_CHARS);
    this.out.notice("info", "terminal_notification", short.truncated ? `${short.text}…` : short.text);
  }

  /** Prompts still open when the turn ends were settled in the terminal, the tool never ran. */
  #settleTurn(outcome: Pick<TurnOutcome, "ok" | "subtype" | "error"> = SUCCESS): void {
    if (this.#settle) clearTimeout(this.#settle);
    this.#settle = null;
    this.mirror();
    for (const a of this.#asked.splice(0))
      this.permissions.answer(a.requestId, {
        decision: "deny",
        by: "terminal",
        reason: outcome.ok ? "the terminal went on without it" : "the terminal went away",
        ...(outcome.ok ? {} : { counted: "cancelled" as const }),
      });
    const { inputMid, inputAt } = this.#t;
    if (inputMid && this.out.record.state !== "idle" && this.out.record.state !== "ended") {
      const durationMs = inputAt ? Math.max(0, Date.now() - inputAt) : 0;
      this.out.turnResult(inputMid, { ...outcome, durationMs });
    }
  }

  /** The terminal resumed a session that had ended (`claude --resume`): it runs again. */
  #revive(): void {
    if (this.out.record.state !== "ended") return;
    this.out.record = { ...this.out.record, state: "sleeping" };
    this.out.save();
  }

  #scheduleSettle(): void {
    if (this.#settle) clearTimeout(this.#settle);
    this.#settle = setTimeout(() => {
      this.#settleTurn();
      this.out.setState("idle");
    }, SETTLE_MS);
  }

  #rememberToolUse(input: HookInput): void {
    if (!input.tool_use_id || !input.tool_name) return;
    const entry = {
      toolName: input.tool_name,
      input: JSON.stringify(input.tool_input ?? {}),
      toolUseId: input.tool_use_id,
    };
    this.#preToolUse = [...this.#preToolUse.slice(-15), entry];
  }

  /** PermissionRequest has no tool_use_id: it is the one of the PreToolUse just before it (docs/hooks.md). */
  #toolUseIdOf(toolName: string, input: Record<string, unknown>): string {
    const json = JSON.stringify(input);
    const match = this.#preToolUse.findLast((p) => p.toolName === toolName && p.input === json);
    return match?.toolUseId ?? "";
  }
}

const SUCCESS = { ok: true, subtype: "success", error: null } as const;

/** A mid derived from what it is about, so a notice sent again (a crash in between) is stored once. */
function ownMid(tag: string, about: string): string {
  return `${tag}_${createHash("sha256").update(about).digest("base64url").slice(0, 24)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
