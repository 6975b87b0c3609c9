import type { Logger } from "../log.ts";
import { type CounterSnapshot, Counters, type Room, type RoomTally } from "./counters.ts";
import { countsOf, onceKey } from "./event-counts.ts";
import { EventLog, eventsAfter } from "./event-log.ts";
import { EVENT_VERSION, type EventBody, type LifecycleEvent } from "./lifecycle-event.ts";

/** Where the lifecycle points report what happened. */
export type EventSink = { record(e: EventBody): void };

/** For parts run without a bridge around them (unit tests). */
export const noEvents: EventSink = { record: () => undefined };

export type RecorderOptions = {
  /** `<stateDir>/events`. */
  dir: string;
  /** The bridge's sessions.db, which holds the counters. */
  dbPath: string;
  log: Logger;
  now?: () => number;
};

/**
 * Records each event twice in one place: first its line in the event log (durable when it
 * returns), then its counts, once-key and seq in SQLite in one transaction. A crash between the
 * two leaves a line whose seq is past the counters' last one; the next start applies it (as before
 * this process, so "since start" does not count it). An event with a once-key already recorded is
 * dropped, so a restart that settles something again never writes it twice.
 */
export class Recorder implements EventSink {
  readonly #log: EventLog;
  readonly #counters: Counters;
  readonly #logger: Logger;
  readonly #now: () => number;
  #seq: number;
  #listeners: ((e: LifecycleEvent) => void)[] = [];

  constructor(o: RecorderOptions) {
    this.#now = o.now ?? Date.now;
    this.#logger = o.log;
    this.#log = new EventLog(o.dir, { now: this.#now });
    this.#counters = new Counters(o.dbPath, this.#now());
    for (const e of eventsAfter(o.dir, this.#counters.lastSeq()))
      this.#counters.apply(e.seq, e.at, countsOf(e), onceKey(e), false, roomOf(e));
    this.#counters.startRun();
    this.#seq = Math.max(this.#log.lastSeq, this.#counters.lastSeq());
  }

  record(body: EventBody): void {
    try {
      const key = onceKey(body);
      if (key && this.#counters.seen(key)) return;
      const at = this.#now();
      const e = this.#log.append(
        (seq) => ({ v: EVENT_VERSION, seq, at, ...body }) as LifecycleEvent,
        this.#seq,
      );
      this.#seq = e.seq;
      this.#counters.apply(e.seq, e.at, countsOf(body), key, true, roomOf(body));
      for (const f of this.#listeners) f(e);
    } catch (err) {
      // Counting must never stop a session: the event is lost, the bridge goes on.
      this.#logger.error("could not record a lifecycle event", {
        type: body.type,
        error: (err as Error).stack ?? String(err),
      });
    }
  }

  /** Called after each recorded event (for what the bridge publishes about itself). */
  onEvent(f: (e: LifecycleEvent) => void): void {
    this.#listeners.push(f);
  }

  counters(): CounterSnapshot {
    return this.#counters.snapshot();
  }

  /** One session's counts since install (for the phone's history line). */
  tally(room: string): RoomTally {
    return this.#counters.tally(room);
  }

  close(): void {
    this.#log.close();
    this.#counters.close();
  }
}

function roomOf(e: EventBody): Room | undefined {
  if (!("room" in e)) return undefined;
  return e.type === "session.fallback" ? { room: e.room, reason: e.reason } : { room: e.room };
}
