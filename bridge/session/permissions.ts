import { randomBytes } from "node:crypto";
import type { PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import {
  type BodyOf,
  type Decision,
  EDITABLE_TOOLS,
  type PermissionMode,
  type PromptKind,
  promptKindOf,
} from "../../shared/protocol/index.ts";
import type { PermissionAsk } from "../claude/claude-run.ts";
import type { PromptBy } from "../events/lifecycle-event.ts";
import type { EventSink } from "../events/recorder.ts";
import type { RoomLink } from "../link/room-link.ts";
import { type Grant, grantOf, ruleCovers } from "./allowances.ts";
import { clipValue } from "./clip.ts";
import { promptHint, resolvedHint } from "./push-hints.ts";
import type { Registry } from "./registry.ts";
import { derivedMid } from "./turn-mids.ts";

export type Answer = {
  decision: Decision;
  by: string;
  reason?: string;
  remember?: boolean;
  message?: string;
  updatedInput?: Record<string, unknown>;
  /** Approving a plan: the permission mode Claude continues in. */
  mode?: PermissionMode;
  /** Deny and end the turn (used for interrupts and cancellations). */
  interrupt?: boolean;
  /** Who settled it for the event log, when `by` does not say: a terminal that went away answered nothing. */
  counted?: PromptBy;
};

type Pending = {
  ask: PermissionAsk;
  kind: PromptKind;
  /** What "Allow for this session" grants for this prompt (told to the phone with it). */
  grant: Grant | null;
  mid: string;
  resolve(r: PermissionResult): void;
  timer: NodeJS.Timeout | null;
  askedAt: number;
};

export type PermissionsOptions = {
  room: string;
  link: RoomLink;
  registry: Registry;
  /** Deny a prompt nobody answered after this long; null: wait for ever. */
  timeoutMs: number | null;
  /** The set of pending prompts changed. */
  onChange(): void;
  /** The session's grants changed (the session's info lists them). */
  onGrants(): void;
  /** A response was refused: told in the room, naming the prompt. */
  onRefused(requestId: string, code: "edit_not_allowed" | "bad_response", text: string): void;
  /** The session's title, for the notification a prompt pushes. */
  title(): string;
  /** A prompt was sent (a terminal session follows which tool call it is about). */
  onAsk?(requestId: string, ask: PermissionAsk): void;
  /** Where prompts asked and settled are recorded (docs/events.md). */
  events?: EventSink;
};

/**
 * Permission prompts of one session: each `canUseTool` becomes a durable `permission.request`;
 * the first valid answer wins and is recorded as `permission.resolved`. No automatic deny unless a
 * timeout was configured.
 */
export class Permissions {
  #pending = new Map<string, Pending>();
  private readonly o: PermissionsOptions;

  constructor(o: PermissionsOptions) {
    this.o = o;
  }

  get size(): number {
    return this.#pending.size;
  }

  ask(ask: PermissionAsk, inputMid: string | null): Promise<PermissionResult> {
    // A question or a plan is the person's to answer every time: no grant covers it, none is offered.
    const kind = promptKindOf(ask.toolName);
    // The session's grants are enforced here, for every process of the session (allowances.ts).
    if (
      kind === "tool" &&
      this.o.registry.grants(this.o.room).some((r) => ruleCovers(r, ask.toolName, ask.input))
    )
      return Promise.resolve({ behavior: "allow", updatedInput: ask.input });
    const grant = kind === "tool" ? grantOf(ask.toolName, ask.input, ask.suggestions) : null;
    const requestId = `pr_${randomBytes(12).toString("base64url")}`;
    const shown = clipValue(ask.input);
    const body: BodyOf<"permission.request"> = {
      requestId,
      toolName: ask.toolName,
      input: shown.value,
      toolUseId: ask.toolUseId,
      kind,
    };
    if (shown.truncated) body.truncated = true;
    if (ask.title) body.title = ask.title;
    if (ask.suggestions.length > 0) body.suggestions = ask.suggestions;
    if (grant) body.sessionGrant = grant.label;
    // Recorded right before it is sent, so that a crash between the two writes (the next start
    // cancels what is recorded) is as unlikely as it can be without one transaction over both files.
    // Nothing else goes between them: the event log's line (a write and an fdatasync) comes after.
    this.o.registry.openPermission(requestId, this.o.room, inputMid);
    const mid = this.o.link.send(
      "permission.request",
      body,
      undefined,
      promptHint(this.o.title(), this.o.room, body),
    );
    const askedAt = Date.now();
    this.o.onAsk?.(requestId, ask);
    this.o.events?.record({ type: "prompt.asked", room: this.o.room, requestId, kind });
    return new Promise((resolve) => {
      const timeoutMs = this.o.timeoutMs;
      const timer = timeoutMs
        ? setTimeout(
            () => this.answer(requestId, { decision: "deny", by: "timeout", reason: "no answer in time" }),
            timeoutMs,
          )
        : null;
      this.#pending.set(requestId, { ask, kind, grant, mid, resolve, timer, askedAt });
      ask.signal.addEventListener(
        "abort",
        () => this.answer(requestId, cancelled("the turn was interrupted")),
        { once: true },
      );
      this.o.onChange();
    });
  }

  /**
   * A controller's answer. An edited input is taken only for tools whose input is the person's
   * answer by design (EDITABLE_TOOLS: a question's answers, an edited plan); for any other tool it
   * would run something else than every phone was shown, so it is refused and the prompt stays.
   */
  respond(requestId: string, a: Answer): "ok" | "unknown" | "refused" {
    const p = this.#pending.get(requestId);
    if (!p) return "unknown";
    if (a.decision === "allow" && a.updatedInput && !EDITABLE_TOOLS.includes(p.ask.toolName)) {
      this.o.onRefused(
        requestId,
        "edit_not_allowed",
        `The answer changed the input of ${p.ask.toolName}, which only runs as asked; the prompt is still open.`,
      );
      return "refused";
    }
    if (p.kind === "plan" && a.decision === "allow" && a.mode === "plan") {
      const text =
        "A plan is approved to leave plan mode; choose default or acceptEdits. The prompt is still open.";
      this.o.onRefused(requestId, "bad_response", text);
      return "refused";
    }
    this.answer(requestId, a);
    return "ok";
  }

  /** Resolves a pending prompt; false (and nothing published) when it is unknown or already answered. */
  answer(requestId: string, a: Answer): boolean {
    const p = this.#pending.get(requestId);
    if (!p) return false;
    this.#pending.delete(requestId);
    if (p.timer) clearTimeout(p.timer);
    const body: BodyOf<"permission.resolved"> = { requestId, decision: a.decision, by: a.by };
    if (a.reason) body.reason = a.reason;
    if (a.decision === "allow" && a.updatedInput !== undefined) {
      // What actually ran, for every phone's tool card.
      body.edited = true;
      body.input = clipValue(a.updatedInput).value;
    }
    const granted = a.decision === "allow" && a.remember && p.grant ? p.grant : null;
    if (granted) body.granted = granted.label;
    const mode = a.decision === "allow" && p.kind === "plan" ? a.mode : undefined;
    if (mode) body.mode = mode;
    // Published before the registry forgets the prompt, under a mid of its own: a crash between
    // the two writes leaves it open, and the next start's cancellation is then stored once.
    const pushed = resolvedHint(this.o.title(), this.o.room, requestId, a.decision);
    this.o.link.send("permission.resolved", body, derivedMid("pr", requestId), pushed);
    if (granted) {
      this.o.registry.addGrant(this.o.room, granted.rules);
      this.o.onGrants();
    }
    this.o.registry.closePermission(requestId);
    this.o.events?.record({
      type: "prompt.resolved",
      room: this.o.room,
      requestId,
      kind: p.kind,
      by: a.counted ?? promptBy(a.by),
      decision: a.decision,
      waitMs: Math.max(0, Date.now() - p.askedAt),
    });
    p.resolve(a.decision === "allow" ? allow(a.updatedInput ?? p.ask.input, mode) : deny(a));
    this.o.onChange();
    return true;
  }

  /** The relay refused a prompt for good: nobody can answer it, so it must not hold the turn. */
  rejected(mid: string, why: string): void {
    for (const [requestId, p] of this.#pending) {
      if (p.mid === mid) this.answer(requestId, cancelled(`the prompt could not be delivered (${why})`));
    }
  }

  /** Cancels every pending prompt (interrupt, end, process exit). */
  cancelAll(reason: string): void {
    for (const id of [...this.#pending.keys()]) this.answer(id, cancelled(reason));
  }

  /** Prompts left open by an earlier bridge process: their Claude process is gone. */
  cancelOrphans(): void {
    for (const requestId of this.o.registry.openPermissions(this.o.room)) {
      const body = { requestId, decision: "deny", by: "cancelled", reason: "the bridge restarted" } as const;
      this.o.link.send("permission.resolved", body, derivedMid("pr", requestId));
      this.o.registry.closePermission(requestId);
      const resolved = { type: "prompt.resolved", room: this.o.room, requestId, by: "cancelled" } as const;
      this.o.events?.record({ ...resolved, decision: "deny" });
    }
  }
}

/** Who settled a prompt, by the `by` of its permission.resolved: a cid is a phone's (or an attached terminal's). */
function promptBy(by: string): PromptBy {
  if (by === "timeout" || by === "cancelled") return by;
  return by === "terminal" ? "elsewhere" : "phone";
}

/**
 * An approved plan continues in the chosen mode: Claude Code switches when it leaves plan mode and
 * says so (system/status), and the session's record follows that (session-runner.ts).
 */
function allow(updatedInput: Record<string, unknown>, mode: PermissionMode | undefined): PermissionResult {
  if (!mode) return { behavior: "allow", updatedInput };
  return {
    behavior: "allow",
    updatedInput,
    updatedPermissions: [{ type: "setMode", mode, destination: "session" }],
  };
}

function deny(a: Answer): PermissionResult {
  return {
    behavior: "deny",
    message: a.message ?? "Denied from the phone.",
    ...(a.interrupt ? { interrupt: true } : {}),
  };
}

function cancelled(reason: string): Answer {
  return { decision: "deny", by: "cancelled", reason, message: reason, interrupt: true };
}
