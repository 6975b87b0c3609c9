import type { UsageLimit } from "../../shared/protocol/index.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import { holdOf, type LimitInfo, mergeLimits, rejectedReset, retryProblem, type Trouble } from "./holds.ts";
import type { Hold } from "./session-types.ts";

type Assistant = Extract<RunEvent, { t: "assistant" }>;

/**
 * What one session's Claude process said about limits and failed API calls, kept until the
 * turn's result decides whether its input is held (holds.ts). Also the usage windows as last
 * reported, for session.usage.
 */
export class TurnTrouble {
  limits: UsageLimit[] = [];
  #trouble: Trouble | null = null;
  #reset: number | null = null;
  #retrying: string | null = null;

  /** A rate_limit_event: the windows after it. */
  rateLimit(info: LimitInfo): UsageLimit[] {
    this.limits = mergeLimits(this.limits, info);
    this.#reset = rejectedReset(info) ?? this.#reset;
    return this.limits;
  }

  /**
   * Keeps the CLI's own error reply; true when it is one a held input stands for, which the
   * room is not shown as Claude's answer (session.status says why the input waits instead).
   */
  assistant(e: Assistant): boolean {
    if (!e.error) return false;
    const text = e.blocks.map((b) => (b.type === "text" ? b.text : "")).join("\n");
    this.#trouble = { error: e.error, text };
    return holdOf(this.#trouble, this.#reset, Date.now()) !== null;
  }

  /** An account problem the CLI's retries show, once per kind and turn (null: nothing new to say). */
  retry(error: string, status: number | null): ReturnType<typeof retryProblem> {
    const problem = retryProblem(error, status);
    if (!problem || problem.code === this.#retrying) return null;
    this.#retrying = problem.code;
    return problem;
  }

  /** The hold for the turn that just ended (null: it ends as usual); the next turn starts clean. */
  take(ok: boolean): Hold | null {
    const hold = ok ? null : holdOf(this.#trouble, this.#reset, Date.now());
    this.#trouble = null;
    this.#reset = null;
    this.#retrying = null;
    return hold;
  }
}
