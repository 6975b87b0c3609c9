import { randomBytes } from "node:crypto";
import type { PermissionResult, PermissionUpdate } from "@anthropic-ai/claude-agent-sdk";
import type { PermissionAsk } from "../claude/claude-run.ts";
import type { RoomLink } from "../relay/room-link.ts";
import { clipValue } from "./clip.ts";
import type { Registry } from "./registry.ts";

export type Answer = {
  decision: "allow" | "deny";
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

/**
 * Permission prompts of one session: each `canUseTool` becomes a durable `permission.request`;
 * the first valid answer wins and is recorded as `permission.resolved`. No automatic deny unless a
 * timeout was configured.
 */
export class Permissions {
  #pending = new Map<string, Pending>();
  #remembered = new Set<string>();

  private readonly room: string;
  private readonly link: RoomLink;
  private readonly registry: Registry;
  private readonly timeoutMs: number | null;
  private readonly onChange: () => void;

  constructor(
    room: string,
    link: RoomLink,
    registry: Registry,
    timeoutMs: number | null,
    onChange: () => void,
  ) {
    this.room = room;
    this.link = link;
    this.registry = registry;
    this.timeoutMs = timeoutMs;
    this.onChange = onChange;
  }

  get size(): number {
    return this.#pending.size;
  }

  ask(ask: PermissionAsk, inputMid: string | null): Promise<PermissionResult> {
    if (this.#remembered.has(ask.toolName))
      return Promise.resolve({ behavior: "allow", updatedInput: ask.input });
    const requestId = `pr_${randomBytes(12).toString("base64url")}`;
    this.registry.openPermission(requestId, this.room, inputMid);
    const shown = clipValue(ask.input);
    const body: Record<string, unknown> = {
      requestId,
      toolName: ask.toolName,
      input: shown.value,
      toolUseId: ask.toolUseId,
    };
    if (shown.truncated) body.truncated = true;
    if (ask.title) body.title = ask.title;
    if (ask.suggestions.length > 0) body.suggestions = ask.suggestions;
    const mid = this.link.send("permission.request", body);
    return new Promise((resolve) => {
      const timer = this.timeoutMs
        ? setTimeout(
            () => this.answer(requestId, { decision: "deny", by: "timeout", reason: "no answer in time" }),
            this.timeoutMs,
          )
        : null;
      this.#pending.set(requestId, { ask, mid, resolve, timer });
      ask.signal.addEventListener(
        "abort",
        () => this.answer(requestId, cancelled("the turn was interrupted")),
        { once: true },
      );
      this.onChange();
    });
  }

  /** Resolves a pending prompt; false (and nothing published) when it is unknown or already answered. */
  answer(requestId: string, a: Answer): boolean {
    const p = this.#pending.get(requestId);
    if (!p) return false;
    this.#pending.delete(requestId);
    if (p.timer) clearTimeout(p.timer);
    this.registry.closePermission(requestId);
    this.link.send("permission.resolved", {
      requestId,
      decision: a.decision,
      by: a.by,
      ...(a.reason ? { reason: a.reason } : {}),
    });
    p.resolve(a.decision === "allow" ? this.#allow(p.ask, a) : deny(a));
    this.onChange();
    return true;
  }

  /** "Allow for this session": the CLI's own suggested rules, scoped to the session, else the tool. */
  #allow(ask: PermissionAsk, a: Answer): PermissionResult {
    const result: PermissionResult = { behavior: "allow", updatedInput: a.updatedInput ?? ask.input };
    if (!a.remember) return result;
    const rules = ask.suggestions.filter(
      (x): x is PermissionUpdate => typeof x === "object" && x !== null && "type" in x,
    );
    if (rules.length === 0) this.#remembered.add(ask.toolName);
    else result.updatedPermissions = rules.map((r) => ({ ...r, destination: "session" }) as PermissionUpdate);
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
    for (const requestId of this.registry.openPermissions(this.room)) {
      this.registry.closePermission(requestId);
      this.link.send("permission.resolved", {
        requestId,
        decision: "deny",
        by: "cancelled",
        reason: "the bridge restarted",
      });
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
