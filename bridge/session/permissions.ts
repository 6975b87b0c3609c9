import { randomBytes } from "node:crypto";
import type { PermissionResult, PermissionUpdate } from "@anthropic-ai/claude-agent-sdk";
import type { BodyOf, Decision, PermissionMode } from "../../shared/protocol/index.ts";
import type { PermissionAsk } from "../claude/claude-run.ts";
import type { RoomLink } from "../link/room-link.ts";
import { allowanceOf } from "./allowances.ts";
import { clipValue } from "./clip.ts";
import type { Registry } from "./registry.ts";
import { derivedMid } from "./turn-mids.ts";

export type Answer = {
  decision: Decision;
  by: string;
  reason?: string;
  remember?: boolean;
  message?: string;
  updatedInput?: Record<string, unknown>;
  /** Deny and end the turn (used for interrupts and cancellations). */
  interrupt?: boolean;
};

type Pending = {
  ask: PermissionAsk;
  mid: string;
  resolve(r: PermissionResult): void;
  timer: NodeJS.Timeout | null;
};

export type PermissionsOptions = {
  room: string;
  link: RoomLink;
  registry: Registry;
  /** Deny a prompt nobody answered after this long; null: wait for ever. */
  timeoutMs: number | null;
  /** The set of pending prompts changed. */
  onChange(): void;
  /** A remembered grant switched the permission mode (e.g. acceptEdits for a Write). */
  onMode(mode: PermissionMode): void;
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
    // A bare tool grant is enforced here; rules and modes reach the CLI itself.
    if (this.o.registry.allowances(this.o.room).tools.includes(ask.toolName))
      return Promise.resolve({ behavior: "allow", updatedInput: ask.input });
    const requestId = `pr_${randomBytes(12).toString("base64url")}`;
    this.o.registry.openPermission(requestId, this.o.room, inputMid);
    const shown = clipValue(ask.input);
    const body: BodyOf<"permission.request"> = {
      requestId,
      toolName: ask.toolName,
      input: shown.value,
      toolUseId: ask.toolUseId,
    };
    if (shown.truncated) body.truncated = true;
    if (ask.title) body.title = ask.title;
    if (ask.suggestions.length > 0) body.suggestions = ask.suggestions;
    const mid = this.o.link.send("permission.request", body);
    return new Promise((resolve) => {
      const timeoutMs = this.o.timeoutMs;
      const timer = timeoutMs
        ? setTimeout(
            () => this.answer(requestId, { decision: "deny", by: "timeout", reason: "no answer in time" }),
            timeoutMs,
          )
        : null;
      this.#pending.set(requestId, { ask, mid, resolve, timer });
      ask.signal.addEventListener(
        "abort",
        () => this.answer(requestId, cancelled("the turn was interrupted")),
        { once: true },
      );
      this.o.onChange();
    });
  }

  /** Resolves a pending prompt; false (and nothing published) when it is unknown or already answered. */
  answer(requestId: string, a: Answer): boolean {
    const p = this.#pending.get(requestId);
    if (!p) return false;
    this.#pending.delete(requestId);
    if (p.timer) clearTimeout(p.timer);
    // Published before the registry forgets the prompt, under a mid of its own: a crash between
    // the two writes leaves it open, and the next start's cancellation is then stored once.
    this.o.link.send(
      "permission.resolved",
      { requestId, decision: a.decision, by: a.by, ...(a.reason ? { reason: a.reason } : {}) },
      derivedMid("pr", requestId),
    );
    this.o.registry.closePermission(requestId);
    p.resolve(a.decision === "allow" ? this.#allow(p.ask, a) : deny(a));
    this.o.onChange();
    return true;
  }

  /**
   * "Allow for this session": the CLI's own suggestions, scoped to the session, for the running
   * process; the same grant kept in the registry (and the mode in the session's record) for the
   * processes after it. Without suggestions the grant is the tool.
   */
  #allow(ask: PermissionAsk, a: Answer): PermissionResult {
    const result: PermissionResult = { behavior: "allow", updatedInput: a.updatedInput ?? ask.input };
    if (!a.remember) return result;
    const grant = allowanceOf(ask.toolName, ask.suggestions);
    this.o.registry.addAllowances(this.o.room, grant.tools, grant.directories);
    if (grant.mode) this.o.onMode(grant.mode);
    const rules = ask.suggestions.filter(
      (x): x is PermissionUpdate => typeof x === "object" && x !== null && "type" in x,
    );
    if (rules.length > 0)
      result.updatedPermissions = rules.map((r) => ({ ...r, destination: "session" }) as PermissionUpdate);
    return result;
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
    }
  }
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
