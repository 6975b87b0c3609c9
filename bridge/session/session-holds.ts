import type { RunEvent } from "../claude/map-sdk.ts";
import type { AccountHooks } from "../machine/account-watch.ts";
import type { Registry } from "./registry.ts";
import type { SessionRoom } from "./session-room.ts";
import type { Held, TurnOutcome } from "./session-types.ts";
import { TurnTrouble } from "./turn-trouble.ts";

/** setTimeout's longest delay; a later reset is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type HoldsDeps = {
  room: string;
  registry: Registry;
  out: SessionRoom;
  account?: AccountHooks | undefined;
  /** The bridge's default for a session that never set auto-continue. */
  autoContinue: boolean;
  /** The held input is to be tried again (the session machine's `continue`). */
  continueHeld(): void;
  /** The session's Claude process is to go (a new one reads the credentials afresh). */
  sleep(): void;
};

/**
 * One session's held input (docs/protocol.md §9.11): what Claude Code said about limits and the
 * account while a turn ran, whether the turn's input waits, and the wait itself (kept durably, said
 * in session.status, until the limit's reset time or the account), then back to the session machine.
 */
export class SessionHolds {
  #held: Held | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #trouble = new TurnTrouble();
  readonly #deps: HoldsDeps;

  constructor(deps: HoldsDeps) {
    this.#deps = deps;
  }

  get autoContinue(): boolean {
    return this.#deps.registry.autoContinue(this.#deps.room, this.#deps.autoContinue);
  }

  setAutoContinue(on: boolean): void {
    this.#deps.registry.setAutoContinue(this.#deps.room, on);
    this.#deps.out.publishInfo();
    if (this.#held) this.#wait(this.#held);
  }

  /**
   * What Claude Code says about limits and the account while a turn runs; true when the event is
   * taken here (the usage windows, a retry, the CLI's own error reply for an input that will wait).
   */
  onRunEvent(e: RunEvent): boolean {
    switch (e.t) {
      case "rate_limit":
        this.#deps.out.link.send("session.usage", {
          limits: this.#trouble.rateLimit(e.info),
          at: Date.now(),
        });
        return true;
      case "assistant":
        return this.#trouble.assistant(e);
      case "api_retry": {
        // The CLI retries a call the API refused: the machine's banner says why within seconds.
        const problem = this.#trouble.retry(e.error, e.status);
        if (problem) this.#deps.account?.report(problem.code, problem.text);
        return true;
      }
      case "result":
        // A turn Claude Code ran by itself leaves no trouble behind for the input that comes next.
        if (e.byCli) this.#trouble.take(true);
        return false;
      default:
        return false;
    }
  }

  /** A turn of an input ended: the outcome says whether the input waits; a turn that worked clears the account. */
  turnEnded(outcome: TurnOutcome): void {
    const hold = this.#trouble.take(outcome.ok);
    if (hold) outcome.hold = hold;
    else if (outcome.ok) this.#deps.account?.works();
  }

  hold(held: Held): void {
    const d = this.#deps;
    d.registry.hold(held.input.mid, held.hold);
    this.#held = held;
    const h = held.hold;
    if (h.t === "limit") {
      const detail = this.autoContinue
        ? undefined
        : "It continues when you tap Continue (auto-continue is off).";
      d.out.setState("waiting_limit", detail, h.resetsAt);
    } else {
      d.out.setState("waiting_account", h.text);
      d.account?.report(h.code, h.text);
      d.sleep();
    }
    this.#wait(held);
  }

  /** An input's state changed: the held one is held no longer. */
  marked(mid: string): void {
    if (mid !== this.#held?.input.mid) return;
    this.#held = null;
    this.#clearTimer();
  }

  #wait(held: Held): void {
    this.#clearTimer();
    const h = held.hold;
    if (h.t === "account")
      return this.#deps.account?.waitFor(this.#deps.room, () => this.#deps.continueHeld());
    if (!this.autoContinue) return;
    const delay = Math.min(Math.max(0, h.resetsAt - Date.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (Date.now() >= h.resetsAt) this.#deps.continueHeld();
      else this.#wait(held);
    }, delay);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
