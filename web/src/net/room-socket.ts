import {
  outboxEntry,
  prepareOut,
  type SyncAction,
  SyncEngine,
} from "../../../shared/core/client/sync-engine.ts";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import type { BodyOf, Kind, SignalKind } from "../../../shared/protocol/kinds.ts";
import { newMid } from "../lib/ids.ts";
import type { ConnState, RoomEvents, SendResult } from "./conn-state.ts";
import { nextOrder, type QueuedRow, type RoomStore } from "./room-store.ts";

/** PROTOCOL.md §5, web app: ping every 25 s while visible, 10 s to answer; 3 s on waking up. */
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const WAKE_PONG_TIMEOUT_MS = 3_000;
/**
 * A message not acknowledged this long after it was queued on a live socket makes the socket
 * prove itself with a quick ping: a link that died silently (Wi-Fi gone, a stalled proxy) is
 * found in seconds while the user waits, not at the next heartbeat.
 */
const ACK_PROBE_MS = 4_000;
/** A dial that has not opened by then counts as failed. */
const DIAL_TIMEOUT_MS = 10_000;
const TAIL = 200;

export type RoomSocketOptions = {
  room: string;
  token: string;
  cid: string;
  store: RoomStore;
  events: RoomEvents;
};

/**
 * One room over a browser WebSocket, driven by the shared SyncEngine (as the bridge's SocketLink
 * is): the engine decides; this class dials, writes, persists to IndexedDB and reports events in
 * the order the engine's actions say. Visibility and network events come in through wake/hide.
 */
export class RoomSocket {
  readonly room: string;
  #o: RoomSocketOptions;
  #engine: SyncEngine | null = null;
  #ready: Promise<void>;
  #ws: WebSocket | null = null;
  #queue: SyncAction[] = [];
  #draining = false;
  #applied: StoredMsg[] = [];
  #cursor: number | null = null;
  #cursorDirty = false;
  #stopped = false;
  #paused = false;
  #tick: { at: number; timer: number } | null = null;
  #retry: number | null = null;
  #dialTimer: number | null = null;
  #state: ConnState = { kind: "loading" };

  constructor(o: RoomSocketOptions) {
    this.room = o.room;
    this.#o = o;
    this.#ready = this.#start().catch((err: unknown) => {
      // Without IndexedDB nothing can be queued safely: say so instead of pretending to work.
      console.error(`tether ${this.room}: could not open this device's storage`, err);
      this.#setState({ kind: "fatal", code: 0, reason: "storage unavailable" });
    });
  }

  get state(): ConnState {
    return this.#state;
  }

  /** Durable first: the message counts as queued once its IndexedDB transaction has completed. */
  async send<K extends Kind>(kind: K, body: BodyOf<K>): Promise<SendResult> {
    await this.#ready;
    if (!this.#engine) return { ok: false, message: "this device's storage is not available" };
    const mid = newMid();
    const p = prepareOut(mid, kind, body);
    if (!p.ok) return { ok: false, message: p.message };
    const row: QueuedRow = {
      mid,
      room: this.room,
      kind,
      bodyJson: p.entry.bodyJson,
      order: nextOrder(),
      at: Date.now(),
    };
    try {
      await this.#o.store.enqueue(row);
    } catch (err) {
      return { ok: false, message: `could not store the message on this device: ${String(err)}` };
    }
    this.#o.events.queued(row);
    if (!this.#stopped) this.#run(this.#engine.enqueue(p.entry, performance.now()));
    this.#probeLater(mid);
    return { ok: true, mid };
  }

  signal<K extends SignalKind>(kind: K, body: BodyOf<K>): void {
    if (this.#engine && !this.#stopped) this.#run(this.#engine.signal(kind, body, performance.now()));
  }

  /** Asks the relay for a page of older messages; false when not connected. */
  history(before: number, limit: number): boolean {
    if (!this.#engine || this.#stopped) return false;
    const actions = this.#engine.history(before, limit);
    this.#run(actions);
    return actions.length > 0;
  }

  outboxSize(): number {
    return this.#engine?.unacked().length ?? 0;
  }

  /** online, visible, pageshow, focus: dial now if waiting, else check the socket with a quick ping. */
  wake(): void {
    const engine = this.#engine;
    if (!engine || this.#stopped || this.#state.kind === "fatal") return;
    engine.setPingEvery(PING_EVERY_MS);
    if (this.#retry !== null || this.#paused) return this.#dial();
    this.#run(engine.pingNow(performance.now(), WAKE_PONG_TIMEOUT_MS));
  }

  /** Hidden: stop pinging (the relay closes a silent socket after 90 s) and ack what was applied. */
  hide(): void {
    const engine = this.#engine;
    if (!engine || this.#stopped) return;
    engine.setPingEvery(null);
    this.#run(engine.flushAck());
  }

  close(): void {
    if (this.#stopped) return;
    if (this.#engine) this.#run(this.#engine.flushAck());
    this.#stopped = true;
    this.#clearTimers();
    const ws = this.#ws;
    this.#ws = null;
    if (ws) detach(ws, 1000, "closing");
    this.#setState({ kind: "closed" });
  }

  async #start(): Promise<void> {
    const loaded = await this.#o.store.load();
    this.#o.events.loaded(loaded.msgs, loaded.outbox);
    this.#cursor = loaded.cursor;
    this.#engine = new SyncEngine({
      cid: this.#o.cid,
      cursor: loaded.cursor,
      outbox: loaded.outbox.map((r) => outboxEntry(r.mid, r.kind, r.bodyJson)),
      tail: TAIL,
      pingEveryMs: document.visibilityState === "hidden" ? null : PING_EVERY_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
    });
    if (!this.#stopped) this.#dial();
  }

  #dial(): void {
    if (this.#stopped || !this.#engine) return;
    this.#clearTimers();
    this.#paused = false;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${proto}//${location.host}/v1/rooms/${encodeURIComponent(this.room)}`;
    const ws = new WebSocket(url, ["tether.v1", `bearer.${this.#o.token}`]);
    this.#ws = ws;
    this.#setState({ kind: "connecting" });
    this.#dialTimer = window.setTimeout(() => this.#lost(ws, 1006, "dial timed out"), DIAL_TIMEOUT_MS);
    ws.onopen = () => {
      if (ws !== this.#ws || !this.#engine) return;
      this.#clearDialTimer();
      this.#run(this.#engine.opened(performance.now()));
    };
    ws.onmessage = (e: MessageEvent) => {
      if (ws !== this.#ws || !this.#engine) return;
      if (typeof e.data === "string") this.#run(this.#engine.frame(e.data, performance.now()));
    };
    ws.onclose = (e: CloseEvent) => this.#lost(ws, e.code, e.reason);
  }

  /** The socket ended (closed, failed, timed out or dropped on purpose): tell the engine once. */
  #lost(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws || !this.#engine) return;
    this.#ws = null;
    this.#clearDialTimer();
    detach(ws, 1000, reason);
    this.#run(this.#engine.closed(code, reason, performance.now()));
  }

  /** Carries out actions in order; actions caused by carrying them out queue behind them. */
  #run(actions: SyncAction[]): void {
    if (this.#stopped) return;
    this.#queue.push(...actions);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let a = this.#queue.shift(); a !== undefined && !this.#stopped; a = this.#queue.shift())
        this.#do(a);
      this.#flushApplied();
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
    this.#arm();
  }

  #do(a: SyncAction): void {
    const { store, events } = this.#o;
    // Consecutive applies are reported and stored as one batch; anything else flushes them first.
    if (a.type === "apply") return void this.#applied.push(a.msg);
    if (a.type === "cursor") {
      this.#cursor = a.seq;
      this.#cursorDirty = true;
      return;
    }
    this.#flushApplied();
    switch (a.type) {
      case "send":
        if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(a.text);
        return;
      case "reset":
        this.#cursor = a.cursor;
        this.#cursorDirty = false;
        events.reset();
        return void store.reset(a.cursor).catch(logError(`reset ${this.room}`));
      case "acked":
        events.acked(a.acks);
        return void store.remove(a.acks.map((x) => x.mid)).catch(logError(`outbox ${this.room}`));
      case "rejected":
        events.rejected(a.mid, a.code, a.message);
        return void store.remove([a.mid]).catch(logError(`outbox ${this.room}`));
      case "signal":
        return events.signal(a.signal);
      case "presence":
        return events.presence(a.peers);
      case "history":
        events.history(a.items, a.low);
        return void store.persist(a.items, null).catch(logError(`history ${this.room}`));
      case "phase":
        if (a.phase === "replay") this.#setState({ kind: "syncing" });
        else if (a.phase === "live") this.#setState({ kind: "live" });
        return;
      case "drop":
        return this.#ws ? this.#lost(this.#ws, 1000, a.reason) : undefined;
      case "reconnect":
        return this.#scheduleDial(a.delayMs, a.code, a.reason);
      case "fatal":
        this.#clearTimers();
        return this.#setState({ kind: "fatal", code: a.code, reason: a.reason });
      case "log":
        return console[a.level](`tether ${this.room}: ${a.message}`);
    }
  }

  /** Reports and persists applied messages together with the cursor that covers them. */
  #flushApplied(): void {
    const batch = this.#applied;
    if (batch.length === 0 && !this.#cursorDirty) return;
    this.#applied = [];
    this.#cursorDirty = false;
    if (batch.length > 0) this.#o.events.applied(batch);
    this.#o.store.persist(batch, this.#cursor).catch(logError(`log ${this.room}`));
  }

  #probeLater(mid: string): void {
    window.setTimeout(() => {
      const engine = this.#engine;
      if (!engine || this.#stopped || this.#state.kind !== "live" || !engine.unacked().includes(mid)) return;
      this.#run(engine.pingNow(performance.now(), WAKE_PONG_TIMEOUT_MS));
    }, ACK_PROBE_MS);
  }

  #scheduleDial(delayMs: number, code: number, reason: string): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    // A hidden page with nothing to send waits for the user: dialing would only be closed again.
    if (document.visibilityState === "hidden" && this.outboxSize() === 0) {
      this.#paused = true;
      return this.#setState({ kind: "paused" });
    }
    this.#retry = window.setTimeout(() => this.#dial(), delayMs);
    this.#setState({ kind: "waiting", retryAt: Date.now() + delayMs, code, reason });
  }

  /** One timer at the engine's next deadline. */
  #arm(): void {
    const at = this.#stopped || !this.#engine ? null : this.#engine.deadline();
    if (this.#tick?.at === at) return;
    if (this.#tick) clearTimeout(this.#tick.timer);
    this.#tick = null;
    if (at === null) return;
    const timer = window.setTimeout(
      () => {
        this.#tick = null;
        if (this.#engine) this.#run(this.#engine.tick(performance.now()));
      },
      Math.max(0, at - performance.now()),
    );
    this.#tick = { at, timer };
  }

  #clearDialTimer(): void {
    if (this.#dialTimer !== null) clearTimeout(this.#dialTimer);
    this.#dialTimer = null;
  }

  #clearTimers(): void {
    this.#clearDialTimer();
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#tick) clearTimeout(this.#tick.timer);
    this.#retry = null;
    this.#tick = null;
  }

  #setState(s: ConnState): void {
    this.#state = s;
    this.#o.events.state(s);
  }
}

/** Stops listening to a socket that no longer matters and closes it if it is still up. */
function detach(ws: WebSocket, code: number, reason: string): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
    // A close reason may be at most 123 bytes.
    ws.close(code, reason.slice(0, 100));
  }
}

function logError(what: string): (err: unknown) => void {
  return (err) => console.error(`tether: IndexedDB write failed (${what})`, err);
}
