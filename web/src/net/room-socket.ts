import { type DriverEvent, type DriverState, SyncDriver } from "../../../shared/core/client/sync-driver.ts";
import type { Kind, SignalKind } from "../../../shared/protocol/kinds.ts";
import { newMid } from "../lib/ids.ts";
import { browserClock, browserTransport } from "./browser-transport.ts";
import type { ConnState, RoomEvents, SendResult } from "./conn-state.ts";
import { clientStore, type IdbRoomStore } from "./idb-room-store.ts";

/** docs/protocol.md §8.1, web app: ping every 25 s while visible, 10 s to answer; 3 s on waking up. */
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const WAKE_PONG_TIMEOUT_MS = 3_000;
/**
 * A message not acknowledged this long after it was queued on a live socket makes the socket
 * prove itself with a quick ping: a link that died silently (Wi-Fi gone, a stalled proxy) is
 * found in seconds while the user waits, not at the next heartbeat.
 */
const ACK_PROBE_MS = 4_000;
const TAIL = 200;

export type RoomSocketOptions = {
  room: string;
  token: string;
  /** A peer relay's origin when the room is not on this page's relay. */
  relay?: string | null;
  cid: string;
  store: IdbRoomStore;
  events: RoomEvents;
};

/**
 * One room of the web app: the shared SyncDriver over a browser WebSocket and IndexedDB. This
 * class turns the driver's events into RoomEvents and a ConnState; visibility and network events
 * come in through wake/hide.
 */
export class RoomSocket {
  readonly room: string;
  #events: RoomEvents;
  #driver: SyncDriver<true>;
  #ready: Promise<void>;
  #state: ConnState = { kind: "loading" };

  constructor(o: RoomSocketOptions) {
    this.room = o.room;
    this.#events = o.events;
    this.#driver = new SyncDriver({
      engine: {
        cid: o.cid,
        tail: TAIL,
        pingEveryMs: document.visibilityState === "hidden" ? null : PING_EVERY_MS,
        pongTimeoutMs: PONG_TIMEOUT_MS,
      },
      transport: browserTransport(o.room, o.token, o.relay ?? null),
      store: clientStore(o.store, o.events),
      clock: browserClock,
      // One render and one IndexedDB transaction per frame.
      applyBatch: "frame",
      ackProbeMs: ACK_PROBE_MS,
      quickPongMs: WAKE_PONG_TIMEOUT_MS,
      // A hidden page with nothing to send waits for the user: dialing would only be closed again.
      mayPause: () => document.visibilityState === "hidden",
      on: (e) => this.#on(e),
    });
    this.#ready = this.#driver.start();
  }

  get state(): ConnState {
    return this.#state;
  }

  /**
   * Durable first: the message counts as queued once its IndexedDB transaction has completed.
   * `mid`: one the protocol derives (an attachment's chunk, §9.5.1); a fresh one otherwise. The
   * body is typed by kind where it is made (RoomModel.send), which seals it first (§12.3).
   */
  async send(kind: Kind, body: unknown, mid = newMid()): Promise<SendResult> {
    await this.#ready;
    const r = await this.#driver.send(kind, body, mid);
    if (r.ok) return r;
    if (r.code === "unavailable") return { ok: false, message: "this device's storage is not available" };
    if (r.code !== "store_failed") return { ok: false, message: r.message };
    return { ok: false, message: `could not store the message on this device: ${r.message}` };
  }

  /** A signal's body, sealed by the caller (RoomModel.signal). */
  signal(kind: SignalKind, body: unknown): void {
    this.#driver.signal(kind, body);
  }

  /** Asks the relay for a page of older messages; false when not connected. */
  history(before: number, limit: number): boolean {
    return this.#driver.history(before, limit);
  }

  outboxSize(): number {
    return this.#driver.outboxSize();
  }

  /** online, visible, pageshow, focus: dial now if waiting, else check the socket with a quick ping. */
  wake(): void {
    this.#driver.wake(PING_EVERY_MS);
  }

  /** Hidden: stop pinging (the relay closes a silent socket after 90 s) and ack what was applied. */
  hide(): void {
    this.#driver.hide();
  }

  /** The page shows this room, visible and focused: the relay pushes nothing for it meanwhile (§11.3). */
  focus(on: boolean): void {
    this.#driver.focus(on);
  }

  close(): void {
    this.#driver.close();
  }

  #on(e: DriverEvent): void {
    const events = this.#events;
    switch (e.type) {
      case "state":
        return this.#setState(connState(e.state));
      case "queued":
        return events.queued({ ...e.entry, at: Date.now() });
      case "applied":
        return events.applied(e.msgs);
      case "reset":
        return events.reset();
      case "acked":
        return events.acked(e.acks);
      case "rejected":
        return events.rejected(e.mid, e.code, e.message);
      case "signal":
        return events.signal(e.signal);
      case "presence":
        return events.presence(e.peers);
      case "history":
        return events.history(e.items, e.low);
      case "store_error":
        return console.error(`tether: IndexedDB ${e.op} failed (${this.room})`, e.error);
      case "log":
        return console[e.level](`tether ${this.room}: ${e.message}`);
    }
  }

  #setState(s: ConnState): void {
    this.#state = s;
    this.#events.state(s);
  }
}

function connState(s: DriverState): ConnState {
  if (s.kind !== "waiting") return s;
  return { kind: "waiting", retryAt: Date.now() + s.delayMs, code: s.code, reason: s.reason };
}
