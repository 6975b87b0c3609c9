import type {
  Cancel,
  ClientStore,
  Clock,
  Connection,
  DriverEvent,
  Stored,
  StoreOp,
  Transport,
  TransportEvents,
} from "../../shared/core/client/sync-driver.ts";
import type { OutboxEntry } from "../../shared/core/client/sync-engine.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";

/** Fakes of the sync driver's ports (never of its own modules), with one shared timeline. */
export type Timeline = string[];

/** Time moves only when a test says so; timers fire in order of their due time. */
export class FakeClock implements Clock {
  #t = 0;
  #timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  #seq = 0;

  now(): number {
    return this.#t;
  }

  after(ms: number, fn: () => void): Cancel {
    const timer = { at: this.#t + ms, seq: this.#seq++, fn, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  advance(ms: number): void {
    const end = this.#t + ms;
    for (let next = this.#due(end); next; next = this.#due(end)) {
      next.live = false;
      this.#t = next.at;
      next.fn();
    }
    this.#t = end;
  }

  /** Timers that have neither fired nor been cancelled. */
  pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  #due(end: number) {
    const live = this.#timers.filter((t) => t.live && t.at <= end);
    return live.sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }
}

/** One socket the driver dialed; the test plays the relay through it. */
export class FakeSocket implements Connection {
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly on: TransportEvents;
  #timeline: Timeline;

  constructor(on: TransportEvents, timeline: Timeline) {
    this.on = on;
    this.#timeline = timeline;
  }

  send(text: string): void {
    if (this.closed) throw new Error(`send on a closed socket: ${text}`);
    this.sent.push(text);
    this.#timeline.push(`wire ${text.startsWith("{") ? (JSON.parse(text) as { t: string }).t : text}`);
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  relay(frame: object): void {
    this.on.message(JSON.stringify(frame));
  }

  /** Opens and welcomes; `head` messages exist, the cursor decides what is replayed. */
  welcome(resumeFrom: number, head = resumeFrom - 1): void {
    this.on.open();
    this.relay({ t: "welcome", v: 2, room: "s-x", role: "bridge", head, low: 1, resumeFrom, serverTime: 0 });
  }

  /** Frames written, parsed ("ping" stays text). */
  frames(): unknown[] {
    return this.sent.map((t) => (t.startsWith("{") ? JSON.parse(t) : t));
  }
}

export class FakeTransport implements Transport {
  sockets: FakeSocket[] = [];
  readonly timeline: Timeline;

  constructor(timeline: Timeline) {
    this.timeline = timeline;
  }

  open(on: TransportEvents): FakeSocket {
    const s = new FakeSocket(on, this.timeline);
    this.sockets.push(s);
    return s;
  }

  get last(): FakeSocket {
    const s = this.sockets.at(-1);
    if (!s) throw new Error("nothing dialed yet");
    return s;
  }
}

/** The bridge's kind of store: answers at once, each write noted on the timeline. */
export class MemoryStore implements ClientStore<false> {
  readonly async = false;
  cursor: number | null;
  outbox: OutboxEntry[];
  /** Calls of these kinds throw, as a full disk would. */
  failing = new Set<StoreOp>();
  readonly timeline: Timeline;

  constructor(timeline: Timeline, stored: Partial<Stored> = {}) {
    this.timeline = timeline;
    this.cursor = stored.cursor ?? null;
    this.outbox = [...(stored.outbox ?? [])];
  }

  load(): Stored {
    this.#check("load");
    return { cursor: this.cursor, outbox: [...this.outbox] };
  }

  enqueue(entry: OutboxEntry): boolean {
    this.#check("enqueue");
    if (this.outbox.some((e) => e.mid === entry.mid)) return false;
    this.outbox.push(entry);
    this.timeline.push(`store enqueue ${entry.mid}`);
    return true;
  }

  remove(mids: readonly string[]): void {
    this.#check("remove");
    this.outbox = this.outbox.filter((e) => !mids.includes(e.mid));
  }

  persist(msgs: readonly StoredMsg[], cursor: number | null): void {
    this.#check("persist");
    this.timeline.push(`store persist [${msgs.map((m) => m.seq).join(",")}] ${cursor}`);
    if (cursor !== null) this.cursor = cursor;
  }

  reset(cursor: number): void {
    this.#check("reset");
    this.timeline.push(`store reset ${cursor}`);
  }

  #check(op: StoreOp): void {
    if (this.failing.has(op)) throw new Error(`${op}: disk full`);
  }
}

/** The web's kind of store: every answer is a promise; enqueues commit when the test says so. */
export class DeferredStore implements ClientStore<true> {
  readonly async = true;
  readonly inner: MemoryStore;
  #commits: (() => void)[] = [];

  constructor(inner: MemoryStore) {
    this.inner = inner;
  }

  load = async (): Promise<Stored> => this.inner.load();
  enqueue(entry: OutboxEntry): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#commits.push(() => {
        try {
          resolve(this.inner.enqueue(entry));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
  remove = async (mids: readonly string[]): Promise<void> => this.inner.remove(mids);
  persist = async (msgs: readonly StoredMsg[], cursor: number | null): Promise<void> =>
    this.inner.persist(msgs, cursor);
  reset = async (cursor: number): Promise<void> => this.inner.reset(cursor);

  /** Completes the enqueue transactions started so far. */
  commit(): void {
    for (const c of this.#commits.splice(0)) c();
  }
}

/** Notes events on the timeline in a compact form and keeps them for inspection. */
export function recorder(timeline: Timeline): { events: DriverEvent[]; on: (e: DriverEvent) => void } {
  const events: DriverEvent[] = [];
  const on = (e: DriverEvent) => {
    events.push(e);
    if (e.type === "applied") timeline.push(`applied [${e.msgs.map((m) => m.seq).join(",")}]`);
    else if (e.type === "state") timeline.push(`state ${e.state.kind}`);
    else if (e.type !== "log") timeline.push(e.type);
  };
  return { events, on };
}
