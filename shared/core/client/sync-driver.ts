import type { PushHint, StoredMsg } from "../../protocol/index.ts";
import { type OutboxEntry, prepareOut, type SyncAction, SyncEngine } from "./sync-engine.ts";
import { answer, type Io, settle } from "./sync-io.ts";
import type { Cancel, DriverEvent, DriverOptions, DriverState, Sent, Stored, StoreOp } from "./sync-ports.ts";
import { SocketSlot } from "./sync-socket.ts";

export type * from "./sync-ports.ts";

const DIAL_TIMEOUT_MS = 10_000;
const QUICK_PONG_MS = 3_000;

/**
 * Carries out the SyncEngine's actions for one room over a transport, a store and a clock: drains
 * actions in order, keeps one timer at the engine's deadline, dials and redials. The bridge and the
 * web app each supply small adapters; the engine decides, this loop only performs.
 */
export class SyncDriver<Async extends boolean> {
  #o: DriverOptions<Async>;
  #engine: SyncEngine | null = null;
  #pingEvery: number | null | undefined;
  #socket: SocketSlot;
  #queue: SyncAction[] = [];
  #draining = false;
  /** Applied messages not yet handed over, and the cursor that will cover them. */
  #pending: { msgs: StoredMsg[]; cursor: number | null } = { msgs: [], cursor: null };
  #tick: { at: number; cancel: Cancel } | null = null;
  #retry: Cancel | null = null;
  #stopped = false;
  #state: DriverState = { kind: "loading" };

  constructor(options: DriverOptions<Async>) {
    this.#o = options;
    this.#pingEvery = options.engine.pingEveryMs;
    const timeout = options.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
    this.#socket = new SocketSlot(options.transport, options.clock, timeout, {
      opened: () => this.#feed((e, now) => e.opened(now)),
      frame: (text) => this.#feed((e, now) => e.frame(text, now)),
      lost: (code, reason) => this.#feed((e, now) => e.closed(code, reason, now)),
      binary: () => this.#emit({ type: "log", level: "warn", message: "ignored a binary frame" }),
      error: (message) => this.#emit({ type: "log", level: "info", message: `socket error: ${message}` }),
    });
  }

  get state(): DriverState {
    return this.#state;
  }

  /** Loads the store, then dials. Settles once loaded (or failed, reported as fatal code 0). */
  start(): Io<void, Async> {
    const { store } = this.#o;
    return settle(
      store.async,
      () => store.load(),
      (stored) => this.#begin(stored),
      (error) => this.#unavailable(error),
    );
  }

  /** Durable first: the engine sees the message only once the store has it. */
  send(kind: string, body: unknown, mid: string, push?: PushHint): Io<Sent, Async> {
    const { store } = this.#o;
    const p = prepareOut(mid, kind, body, push);
    if (!p.ok) return answer(store.async, p);
    if (!this.#engine) {
      return answer(store.async, { ok: false, code: "unavailable", message: "storage is not available" });
    }
    const entry = p.entry;
    return settle(
      store.async,
      () => store.enqueue(entry),
      (fresh): Sent => {
        if (fresh) this.#queued(entry);
        return { ok: true, mid };
      },
      (error): Sent => {
        this.#emit({ type: "store_error", op: "enqueue", error });
        return { ok: false, code: "store_failed", message: String(error) };
      },
    );
  }

  /** Best effort: dropped while not connected. */
  signal(kind: string, body: unknown): void {
    this.#feed((e, now) => e.signal(kind, body, now));
  }

  /** The page shows this room, visible and focused, or stopped (docs/protocol.md §11.3). */
  focus(on: boolean): void {
    this.#feed((e) => e.focus(on));
  }

  /** Asks for a page of older messages; false when not connected. */
  history(before: number, limit: number): boolean {
    if (!this.#engine || this.#stopped) return false;
    const actions = this.#engine.history(before, limit, this.#now());
    this.#run(actions);
    return actions.length > 0;
  }

  outboxSize(): number {
    return this.#engine?.unacked().length ?? 0;
  }

  /** Visible or online again: ping at this pace; dial now if waiting, else prove the socket. */
  wake(pingEveryMs: number): void {
    this.#setPingEvery(pingEveryMs);
    if (this.#retry !== null || this.#state.kind === "paused") return this.#dial();
    this.#feed((e, now) => e.pingNow(now, this.#o.quickPongMs ?? QUICK_PONG_MS));
  }

  /** Hidden: stop pinging (the relay closes a silent socket later) and ack what was applied. */
  hide(): void {
    this.#setPingEvery(null);
    this.#feed((e) => e.flushAck());
  }

  /** Stops for good; what is queued stays in the store. */
  close(): void {
    if (this.#stopped) return;
    this.#feed((e) => e.flushAck());
    this.#stop({ kind: "closed" });
  }

  #begin(stored: Stored): void {
    const ping = this.#pingEvery === undefined ? {} : { pingEveryMs: this.#pingEvery };
    this.#engine = new SyncEngine({ ...this.#o.engine, ...ping, ...stored });
    this.#dial();
  }

  #unavailable(error: unknown): void {
    this.#emit({ type: "store_error", op: "load", error });
    // Without its store nothing can be queued safely: say so instead of pretending to work.
    if (!this.#stopped) this.#stop({ kind: "fatal", code: 0, reason: "storage unavailable" });
  }

  #queued(entry: OutboxEntry): void {
    this.#emit({ type: "queued", entry });
    if (this.#stopped) return;
    this.#feed((e, now) => e.enqueue(entry, now));
    const probe = this.#o.ackProbeMs;
    if (probe !== undefined) this.#o.clock.after(probe, () => this.#probe(entry.mid));
  }

  #probe(mid: string): void {
    const engine = this.#engine;
    if (!engine || this.#stopped || this.#state.kind !== "live" || !engine.unacked().includes(mid)) return;
    this.#run(engine.pingNow(this.#now(), this.#o.quickPongMs ?? QUICK_PONG_MS));
  }

  #dial(): void {
    if (this.#stopped || !this.#engine) return;
    this.#cancelRetry();
    this.#setState({ kind: "connecting" });
    this.#socket.dial();
  }

  /** Carries out actions in order; actions caused by carrying them out queue behind them. */
  #run(actions: SyncAction[]): void {
    if (this.#stopped) return;
    this.#queue.push(...actions);
    if (this.#draining) return;
    this.#draining = true;
    try {
      // Handing messages over may queue more actions (a handler that sends): drain those too.
      while (!this.#stopped) {
        const a = this.#queue.shift();
        if (a !== undefined) this.#do(a);
        else if (!this.#handOver()) break;
      }
    } catch (err) {
      // A handler threw (a bug). Stop here: the cursor stays before what it was handed, so the next
      // start applies it again instead of this one skipping it.
      this.#emit({ type: "log", level: "error", message: `stopped after a handler error: ${String(err)}` });
      this.#stop({ kind: "closed" });
      throw err;
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
    this.#arm();
  }

  #do(a: SyncAction): void {
    if (a.type === "apply") return this.#apply(a.msg);
    if (a.type === "cursor") {
      this.#pending.cursor = a.seq;
      return;
    }
    this.#handOver();
    switch (a.type) {
      case "send":
        return this.#socket.send(a.text);
      case "phase":
        if (a.phase === "replay") this.#setState({ kind: "syncing" });
        if (a.phase === "live") this.#setState({ kind: "live" });
        return;
      case "drop":
        this.#emit({ type: "log", level: "info", message: `dropping the socket: ${a.reason}` });
        return this.#socket.drop(1000, a.reason);
      case "reconnect":
        return this.#reconnect(a);
      case "fatal":
        return this.#stop({ kind: "fatal", code: a.code, reason: a.reason });
      default:
        return this.#report(a);
    }
  }

  /** What the owner hears of, with the store write it implies. */
  #report(a: Extract<SyncAction, DriverEvent>): void {
    const { store } = this.#o;
    if (a.type === "reset") this.#write("reset", () => store.reset(a.cursor));
    if (a.type === "acked") this.#write("remove", () => store.remove(a.acks.map((ack) => ack.mid)));
    if (a.type === "rejected") this.#write("remove", () => store.remove([a.mid]));
    this.#emit(a);
    // A page of history goes to the web's mirror; the cursor stays where it is.
    if (a.type === "history") this.#write("persist", () => store.persist(a.items, null));
  }

  #apply(msg: StoredMsg): void {
    if (this.#o.applyBatch === "message") this.#handOver();
    this.#pending.msgs.push(msg);
    this.#pending.cursor = msg.seq;
  }

  /** Hands applied messages over, then persists them with the cursor that covers them. */
  #handOver(): boolean {
    const { msgs, cursor } = this.#pending;
    if (msgs.length === 0 && cursor === null) return false;
    this.#pending = { msgs: [], cursor: null };
    if (msgs.length > 0) this.#emit({ type: "applied", msgs });
    const { store } = this.#o;
    this.#write("persist", () => store.persist(msgs, cursor));
    return true;
  }

  #reconnect(a: Extract<SyncAction, { type: "reconnect" }>): void {
    this.#cancelRetry();
    if (this.#o.mayPause?.() && this.outboxSize() === 0) return this.#setState({ kind: "paused" });
    this.#retry = this.#o.clock.after(a.delayMs, () => {
      this.#retry = null;
      this.#dial();
    });
    const { delayMs, attempt, code, reason } = a;
    this.#setState({ kind: "waiting", delayMs, attempt, code, reason });
  }

  /** One timer at the engine's next deadline. */
  #arm(): void {
    const at = this.#stopped || !this.#engine ? null : this.#engine.deadline();
    if (this.#tick?.at === at) return;
    this.#tick?.cancel();
    this.#tick = null;
    if (at === null) return;
    const cancel = this.#o.clock.after(Math.max(0, at - this.#now()), () => {
      this.#tick = null;
      this.#feed((e, now) => e.tick(now));
    });
    this.#tick = { at, cancel };
  }

  /** A failing write is reported, never thrown into the loop: what it lost is resent or replayed. */
  #write(op: StoreOp, call: () => Io<void, Async>): void {
    const failed = (error: unknown) => this.#emit({ type: "store_error", op, error });
    void settle(this.#o.store.async, call, () => {}, failed);
  }

  #stop(state: DriverState): void {
    this.#stopped = true;
    this.#tick?.cancel();
    this.#tick = null;
    this.#cancelRetry();
    this.#socket.release();
    this.#setState(state);
  }

  #cancelRetry(): void {
    this.#retry?.();
    this.#retry = null;
  }

  #setPingEvery(ms: number | null): void {
    this.#pingEvery = ms;
    this.#engine?.setPingEvery(ms);
  }

  #setState(state: DriverState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return;
    this.#state = state;
    this.#emit({ type: "state", state });
  }

  #emit(event: DriverEvent): void {
    this.#o.on(event);
  }

  /** Tells the engine what happened and carries out its answer. */
  #feed(event: (engine: SyncEngine, now: number) => SyncAction[]): void {
    if (this.#engine) this.#run(event(this.#engine, this.#now()));
  }

  #now(): number {
    return this.#o.clock.now();
  }
}
