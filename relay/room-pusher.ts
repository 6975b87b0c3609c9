import {
  delivery,
  type Notice,
  retryAt,
  silencedByWatcher,
  verdictOf,
  type Watcher,
  wants,
  watched,
} from "../shared/core/push/push-policy.ts";
import type { SqlDriver, StoredPush } from "../shared/core/room/index.ts";
import type { PushPayload } from "../shared/protocol/index.ts";
import { pushRequest, type VapidKeys } from "../shared/webpush/index.ts";
import type { PushOutcome, PushPlan } from "./directory-push.ts";
import { type NewJob, type PushJob, PushQueue } from "./push-queue.ts";
import type { PushTarget } from "./push-store.ts";

/** What the pusher needs from its Room. */
export type PusherDeps = {
  room: string;
  sql: SqlDriver;
  /** The Directory's answers (RPC). */
  plan(now: number, tokenId?: string): Promise<PushPlan | null>;
  outcome(tokenId: string, endpoint: string, outcome: PushOutcome, error: string | null): Promise<void>;
  /** The room's open sockets, as far as watching goes, and whether a bridge is among them. */
  watchers(): Iterable<Watcher>;
  subject: string;
  /** How long a bridge may be gone before its will goes out (Limits.pushWillGraceMs). */
  willGraceMs: number;
  requestAlarm(at: number): void;
  fetch(url: string, init: RequestInit): Promise<Response>;
};

const SEND_TIMEOUT_MS = 10_000;
type Sent = { target: PushTarget; retry: number | null };

/**
 * Sends a room's pushes (docs/protocol.md §11.3): jobs are recorded in the turn their message is
 * stored, then sent off the ack path; a push service that fails is tried again with backoff, and
 * every outcome is counted on the subscription and the machine. Nothing here can block or fail the room.
 */
export class RoomPusher {
  readonly #deps: PusherDeps;
  readonly #queue: PushQueue;
  #draining = false;
  #again = false;

  constructor(deps: PusherDeps) {
    this.#deps = deps;
    this.#queue = new PushQueue(deps.sql);
  }

  /** After the commit, in the same turn: record the jobs and wills, then send without waiting. */
  stored(items: StoredPush[]): void {
    for (const { seq, ts, hint } of items) {
      if (hint.will !== undefined)
        this.#queue.setWill(hint.will === null ? null : JSON.stringify(hint.will.show));
      const n = hint.notify;
      if (n === undefined) continue;
      const show = JSON.stringify(n.show);
      this.#queue.add({
        seq,
        at: ts,
        class: n.class,
        turnMs: n.turnMs ?? null,
        show,
        tokenId: null,
        attempts: 0,
        nextAt: ts,
      });
    }
    void this.drain();
  }

  /** A bridge socket closed: if none is left and a will is set, it goes out after the grace time. */
  bridgeLeft(now: number): void {
    if (this.#bridgeHere() || this.#queue.will() === null) return;
    this.#queue.bridgeLeft(now);
    this.#deps.requestAlarm(now + this.#deps.willGraceMs);
  }

  /** From the room's alarm: a due will, due retries. Returns when it wants the alarm again. */
  async onAlarm(now: number): Promise<number | null> {
    this.#checkWill(now);
    await this.drain();
    const will = this.#queue.will();
    const willAt = will?.leftAt != null ? will.leftAt + this.#deps.willGraceMs : null;
    const next = [this.#queue.nextAt(), willAt].filter((t): t is number => t !== null);
    return next.length > 0 ? Math.min(...next) : null;
  }

  async drain(): Promise<void> {
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#again = false;
        for (const job of this.#queue.due(Date.now())) await this.#runOrPostpone(job);
      } while (this.#again || this.#queue.due(Date.now(), 1).length > 0);
    } finally {
      this.#draining = false;
      const next = this.#queue.nextAt();
      if (next !== null) this.#deps.requestAlarm(next);
    }
  }

  /** A job that fails by itself (the Directory unreachable, a bug) waits like a failed push, then goes. */
  async #runOrPostpone(job: PushJob): Promise<void> {
    try {
      await this.#run(job);
    } catch (err) {
      console.error("room: a push job failed", this.#deps.room, job.class, err);
      const later = retryAt(job.attempts + 1, Date.now(), null);
      this.#queue.remove(job.id);
      if (later !== null) this.#queue.add({ ...withoutId(job), attempts: job.attempts + 1, nextAt: later });
    }
  }

  async #run(job: PushJob): Promise<void> {
    const now = Date.now();
    const notice: Notice = { class: job.class, ...(job.turnMs === null ? {} : { turnMs: job.turnMs }) };
    const fanOut = job.tokenId === null;
    const plan = await this.#deps.plan(now, job.tokenId ?? undefined);
    if (plan === null || (fanOut && silencedByWatcher(notice) && watched(this.#deps.watchers(), now))) {
      return this.#queue.remove(job.id);
    }
    const targets = plan.targets.filter((t) => wants(t, this.#deps.room, notice));
    const payload: PushPayload = {
      v: 1,
      room: this.#deps.room,
      seq: job.seq,
      class: job.class,
      at: job.at,
      show: JSON.parse(job.show),
    };
    const sent = await Promise.all(
      targets.map((t) => this.#send(plan.keys, t, payload, notice, job.attempts + 1)),
    );
    for (const s of sent) if (s.retry !== null) this.#queue.add(retryJob(job, s));
    this.#queue.remove(job.id);
  }

  async #send(
    keys: VapidKeys,
    t: PushTarget,
    payload: PushPayload,
    n: Notice,
    attempt: number,
  ): Promise<Sent> {
    const { ttlSeconds, urgency } = delivery(n);
    const now = Date.now();
    const built = await pushRequest({
      subscription: t,
      payload,
      keys,
      subject: this.#deps.subject,
      ttlSeconds,
      urgency,
      topic: payload.room,
      now,
    });
    if (!built.ok) return this.#settle(t, "failed", `cannot build the push: ${built.reason}`, null);
    try {
      const res = await this.#deps.fetch(built.url, {
        ...built.init,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.body?.cancel();
      const verdict = verdictOf(res.status);
      if (verdict === "sent") return this.#settle(t, "sent", null, null);
      if (verdict === "gone")
        return this.#settle(t, "gone", `push service answered ${res.status}: gone`, null);
      const error = `push service answered ${res.status}`;
      const later = verdict === "retry" ? retryAt(attempt, now, retryAfterMs(res)) : null;
      return this.#settle(t, later === null ? "failed" : "retried", error, later);
    } catch (err) {
      const error = `push service unreachable: ${err instanceof Error ? err.name : "error"}`;
      const later = retryAt(attempt, now, null);
      return this.#settle(t, later === null ? "failed" : "retried", error, later);
    }
  }

  /** Counts each try's outcome on the subscription; never throws into the drain. */
  async #settle(
    t: PushTarget,
    outcome: PushOutcome,
    error: string | null,
    retry: number | null,
  ): Promise<Sent> {
    await this.#deps.outcome(t.tokenId, t.endpoint, outcome, error).catch((err: unknown) => {
      console.error("room: could not record a push outcome", this.#deps.room, err);
    });
    return { target: t, retry };
  }

  #checkWill(now: number): void {
    const will = this.#queue.will();
    if (will?.leftAt == null || now < will.leftAt + this.#deps.willGraceMs) return;
    if (this.#bridgeHere()) return this.#queue.bridgeLeft(null);
    this.#queue.setWill(null);
    this.#queue.add({
      seq: 0,
      at: now,
      class: "offline",
      turnMs: null,
      show: will.show,
      tokenId: null,
      attempts: 0,
      nextAt: now,
    });
  }

  #bridgeHere(): boolean {
    for (const w of this.#deps.watchers()) if (w.role === "bridge") return true;
    return false;
  }
}

function retryJob(job: PushJob, s: Sent): NewJob {
  return { ...withoutId(job), tokenId: s.target.tokenId, attempts: job.attempts + 1, nextAt: s.retry! };
}

function withoutId(job: PushJob): NewJob {
  const { id: _id, ...rest } = job;
  return rest;
}

function retryAfterMs(res: Response): number | null {
  const seconds = Number(res.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}
