import { appendFileSync, writeFileSync } from "node:fs";
import { Waits } from "./stall.ts";

/** Lines kept before the JSONL mirror is written, so recording stays cheap on a busy run. */
const FLUSH_EVERY = 1000;

/**
 * A Jepsen-style history: every send, delivery, ack, connect and close of every actor, in the
 * order the runner observed them, each with an outcome: `ok`, `fail`, or `info` (indeterminate:
 * the operation may or may not have taken effect, e.g. a send whose sender was killed).
 */
export type EventOutcome = "ok" | "fail" | "info";

/**
 * What an actor is, for the checker. `durable`: its outbox survives its crashes (bridge SQLite,
 * browser IndexedDB), so what it reported queued must end up stored. `zombie`: a process fenced
 * by a newer one; its outbox is abandoned and any write it manages after the fence is a bug.
 * `reapply`: after a crash it may apply its last message again (cursor persisted after apply).
 */
export type ActorInfo = {
  name: string;
  kind: "bridge" | "phone" | "browser" | "storm" | "probe";
  cid: string;
  durable: boolean;
  zombie: boolean;
  receiver: boolean;
  reapply: boolean;
};

export type Op =
  /** A send was invoked with a unique key (carried in the body). */
  | { op: "send"; key: string; outcome: "info" }
  /** The sender holds it durably (outbox committed) under this mid. */
  | { op: "queued"; key: string; mid: string; outcome: "ok" }
  /** The relay acknowledged the mid (stored, or `dup`: stored before). */
  | {
      op: "ack";
      key: string | null;
      mid: string;
      seq: number;
      dup: boolean;
      epoch: number | null;
      outcome: "ok";
    }
  /** The relay refused the mid for good. */
  | { op: "refuse"; key: string | null; mid: string; code: string; outcome: "fail" }
  /** A `msgs` frame arrived carrying these seqs (delivery, before the receiver's own checks). */
  | { op: "recv"; first: number; last: number; count: number; outcome: "ok" }
  /** The receiver applied `n` consecutive messages starting at `seq` (durably, where it persists). */
  | { op: "apply"; seq: number; n: number; digest: string; outcome: "ok" }
  /** A hello left with this cursor. */
  | { op: "hello"; since: number | null; epoch: number | null; outcome: "info" }
  /** welcome (ok) or a failed dial / a socket that closed before welcome (fail). */
  | {
      op: "connect";
      outcome: "ok" | "fail";
      head: number | null;
      resumeFrom: number | null;
      epoch: number | null;
      reason: string;
    }
  | { op: "gone"; reason: string; resumeFrom: number; outcome: "ok" }
  | { op: "close"; code: number; reason: string; outcome: "info" }
  /** A (re)start of the actor with its durable cursor (null: none yet or not observable). */
  | { op: "start"; incarnation: number; cursor: number | null; epoch: number | null; outcome: "ok" }
  /** The actor was killed: whatever it had in flight is indeterminate. */
  | { op: "crash"; outcome: "info" }
  | { op: "fatal"; code: number; reason: string; outcome: "fail" }
  /** The web app's local mirror of the room (IndexedDB) at the end: `count` rows from `first` to `last`. */
  | {
      op: "mirror";
      first: number | null;
      last: number | null;
      count: number;
      digest: string;
      cursor: number | null;
      outcome: "ok";
    }
  /** After the faults stopped: the actor applied everything up to `head`, `elapsedMs` later. */
  | { op: "converged"; head: number; cursor: number; elapsedMs: number; outcome: "ok" | "fail" }
  /** The nemesis: a fault started (ok) or could not be carried out (fail). */
  | { op: "fault"; kind: string; target: string; detail: string; tookMs: number; outcome: "ok" | "fail" };

export type HistoryEvent = Op & { at: number; actor: string };

type Listener = (e: HistoryEvent) => void;

/** An append-only, in-memory history, optionally mirrored to a JSONL file as it grows. */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly actors = new Map<string, ActorInfo>();
  #t0 = performance.now();
  /** Everything the battery waits on, on this history's clock (see stall.ts). */
  readonly waits = new Waits(() => this.now());
  #listeners = new Set<Listener>();
  #file: string | null;
  #pending: string[] = [];

  constructor(file: string | null = null) {
    this.#file = file;
    if (file) writeFileSync(file, "");
  }

  actor(info: ActorInfo): void {
    this.actors.set(info.name, info);
  }

  /** Milliseconds since the history began (the clock of every event's `at`). */
  now(): number {
    return Math.round((performance.now() - this.#t0) * 10) / 10;
  }

  add(actor: string, op: Op): HistoryEvent {
    const e: HistoryEvent = { ...op, actor, at: this.now() };
    this.events.push(e);
    if (this.#file) {
      this.#pending.push(JSON.stringify(e));
      if (this.#pending.length >= FLUSH_EVERY) this.flush();
    }
    for (const l of this.#listeners) l(e);
    return e;
  }

  /** Writes what the JSONL mirror still lacks. */
  flush(): void {
    if (!this.#file || this.#pending.length === 0) return;
    appendFileSync(this.#file, `${this.#pending.join("\n")}\n`);
    this.#pending = [];
  }

  /** Calls `l` for every event from now on; returns the unsubscribe function. */
  listen(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /**
   * Resolves when `pred` holds, re-checked after every event; rejects after `timeoutMs`. The wait
   * is registered (`who` waits for `what`) so that a stall report names it.
   */
  until(pred: () => boolean, timeoutMs: number, what: string, who = "runner"): Promise<void> {
    if (pred()) return Promise.resolve();
    const done = this.waits.begin(who, what);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const stop = this.listen(() => {
        if (!pred()) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    }).finally(done);
  }
}
