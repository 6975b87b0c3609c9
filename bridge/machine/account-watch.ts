import type { AccountInfo } from "@anthropic-ai/claude-agent-sdk";
import type { AccountProblem, MachineAccount } from "../../shared/protocol/index.ts";
import type { Logger } from "../log.ts";
import { problemOf, signedIn } from "./account.ts";

export type AccountWatchDeps = {
  probe(): Promise<{ info: AccountInfo } | { error: string }>;
  reachable(): Promise<boolean>;
  publish(a: MachineAccount): void;
  log: Logger;
  /** The first periodic re-check after a problem; it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
};

/** What sessions need of the watch: a problem a turn found, a turn that worked, a wake-up. */
export type AccountHooks = {
  report(code: string, said: string): void;
  works(): void;
  /** `wake` runs once, when the account may work again (a check found nothing wrong). */
  waitFor(key: string, wake: () => void): void;
};

/**
 * Whether Claude Code can answer on this machine, as machine.account says (docs/protocol.md §9.11).
 * Checked at start and on the phone's "Check again", re-checked periodically with backoff while
 * something is wrong; inputs held for the account are woken when a check finds it may work again.
 * A refused key cannot be told apart from a good one without a model call, so after a check the
 * held inputs are simply tried again, and the problem stays published until one works.
 */
export class AccountWatch implements AccountHooks {
  #state: MachineAccount = { ok: true, at: 0 };
  #waiters = new Map<string, () => void>();
  #timer: NodeJS.Timeout | null = null;
  #backoff: number;
  #checking: Promise<MachineAccount> | null = null;
  readonly #deps: AccountWatchDeps;

  constructor(deps: AccountWatchDeps) {
    this.#deps = deps;
    this.#backoff = deps.backoffMs ?? 60_000;
  }

  get state(): MachineAccount {
    return this.#state;
  }

  /** Checks now (one check at a time), publishes the outcome, and wakes held inputs if it may work. */
  check(): Promise<MachineAccount> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  report(code: string, said: string): void {
    this.#set(problemOf(code, said));
    this.#schedule();
  }

  works(): void {
    if (this.#state.ok) return;
    this.#backoff = this.#deps.backoffMs ?? 60_000;
    this.#set(null);
  }

  waitFor(key: string, wake: () => void): void {
    this.#waiters.set(key, wake);
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #check(): Promise<MachineAccount> {
    const probe = await this.#deps.probe();
    if ("error" in probe) {
      this.#deps.log.warn("could not ask Claude Code about its account", { error: probe.error });
      return this.#state;
    }
    const was = this.#state.problem?.code;
    if (!signedIn(probe.info)) {
      this.#set(problemOf("not_signed_in"));
    } else if (was === "unreachable" && !(await this.#deps.reachable())) {
      this.#set(this.#state.problem ?? null);
    } else if (was === "invalid_key" || was === "account_problem") {
      // Only a turn can tell: the problem stays published until one works.
      this.#set(this.#state.problem ?? null);
      this.#wake();
    } else {
      this.#set(null);
      this.#wake();
    }
    if (!this.#state.ok) this.#schedule();
    return this.#state;
  }

  #wake(): void {
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Publishes every check's outcome (with its time), so the phone sees a check happened. */
  #set(problem: AccountProblem | null): void {
    this.#state = problem ? { ok: false, problem, at: Date.now() } : { ok: true, at: Date.now() };
    this.#deps.publish(this.#state);
  }

  #schedule(): void {
    if (this.#timer || (this.#state.ok && this.#waiters.size === 0)) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(delay * 2, this.#deps.maxBackoffMs ?? 15 * 60_000);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check();
    }, delay);
    this.#timer.unref();
  }
}
