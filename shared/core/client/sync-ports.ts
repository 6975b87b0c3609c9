import type { StoredMsg } from "../../protocol/index.ts";
import type { Io } from "./sync-io.ts";
import type { OutboxEntry, SyncAction, SyncConfig } from "./sync-types.ts";

/**
 * The ports of the sync driver (sync-driver.ts): what a runtime supplies so that one driver loop
 * serves the bridge (Node `ws`, SQLite) and the web app (WebSocket, IndexedDB).
 */

export type Cancel = () => void;

/** Time, injected so the driver runs on a fake clock in tests and on no runtime's globals. */
export interface Clock {
  /** Monotonic milliseconds (performance.now), never wall time. */
  now(): number;
  after(ms: number, fn: () => void): Cancel;
}

/** What one socket reports. `message(null)`: a binary frame, which the protocol never sends. */
export type TransportEvents = {
  open(): void;
  message(text: string | null): void;
  close(code: number, reason: string): void;
  /** Only said; a close follows when the socket is gone. */
  error(message: string): void;
};

/** One socket. `send` writes only while it is open; `close` of a closed socket does nothing. */
export interface Connection {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * Dials one socket per call. The driver ignores every event of a socket it has let go, so an
 * adapter never needs to unhook its listeners.
 */
export interface Transport {
  open(on: TransportEvents): Connection;
}

export type Stored = { cursor: number | null; outbox: OutboxEntry[] };

/**
 * A room's durable client state: the outbox and the cursor (and, on the web, a mirror of the log).
 * The engine holds the only in-memory copy; the store is written as the engine's actions say.
 *
 * Durability, and who may relax it:
 * - `enqueue` answers only once the message is durable, on both sides; the driver reports it
 *   queued and lets it go on the wire only after that. The relay acks what it stored, so a message
 *   sent before it was durable could be lost with the process while the user was told "queued".
 *   The bridge fsyncs (WAL, synchronous=FULL) before `send` returns, because its callers treat the
 *   returned mid as a promise that survives a crash (a permission request is awaited by mid, a
 *   fixed mid is retried after a restart and must find its row). The web counts a message as
 *   queued only after its IndexedDB transaction completes ("strict").
 * - `remove` may lag or be lost: the message is then resent and the relay dedupes it by mid.
 * - `persist` may lag (the web writes it "relaxed"): an older cursor only replays messages again.
 *   It must never run ahead of what was handed over, and the driver only calls it after the
 *   `applied` event. Where handlers are not naturally idempotent the cursor must follow each
 *   message (the bridge: `applyBatch: "message"`, fsynced), so a crash repeats at most one.
 * - A failing call is never a loss that goes unsaid: the driver reports `store_error`, and a failed
 *   `enqueue` makes `send` answer not ok, so the caller knows the message was not queued.
 */
export interface ClientStore<Async extends boolean> {
  readonly async: Async;
  load(): Io<Stored, Async>;
  /** false: this mid was queued already and keeps its place. */
  enqueue(entry: OutboxEntry): Io<boolean, Async>;
  /** Acknowledged or refused for good. */
  remove(mids: readonly string[]): Io<void, Async>;
  /** Applied messages and the cursor that covers them (null: history pages, cursor unchanged). */
  persist(msgs: readonly StoredMsg[], cursor: number | null): Io<void, Async>;
  /** The relay said `gone`: what was derived from the room is void; `cursor` follows in `persist`. */
  reset(cursor: number): Io<void, Async>;
}

/** The link as its owner shows it. `waiting`: a redial is due after `delayMs`. */
export type DriverState =
  | { kind: "loading" }
  | { kind: "connecting" }
  | { kind: "syncing" }
  | { kind: "live" }
  | { kind: "waiting"; delayMs: number; attempt: number; code: number; reason: string }
  /** A redial waits for `wake()` (the web app while hidden with nothing to send). */
  | { kind: "paused" }
  /** Retrying cannot help (4001, 4403, 4003; code 0: the store could not be loaded). */
  | { kind: "fatal"; code: number; reason: string }
  | { kind: "closed" };

export type StoreOp = "load" | "enqueue" | "remove" | "persist" | "reset";

/** What happened, in order. The owner's view (sending, sent, delivered) is folded from these. */
export type DriverEvent =
  | { type: "state"; state: DriverState }
  /** Durable now; it goes out when its turn comes. */
  | { type: "queued"; entry: OutboxEntry }
  /** In seq order; the cursor covering them is persisted right after this returns. */
  | { type: "applied"; msgs: StoredMsg[] }
  /** The engine's reports, passed on as they are (acked and rejected have left the outbox). */
  | Extract<SyncAction, { type: "reset" | "acked" | "rejected" | "signal" | "presence" | "history" }>
  | { type: "store_error"; op: StoreOp; error: unknown }
  | { type: "log"; level: "info" | "warn" | "error"; message: string };

/** `send`'s answer: queued durably, or why not (`unavailable`: the store never loaded). */
export type Sent =
  | { ok: true; mid: string }
  | { ok: false; code: "bad_frame" | "too_large" | "unavailable" | "store_failed"; message: string };

export type DriverOptions<Async extends boolean> = {
  /** The engine's settings; the cursor and the outbox come from the store. */
  engine: Omit<SyncConfig, "cursor" | "outbox">;
  transport: Transport;
  store: ClientStore<Async>;
  clock: Clock;
  on(event: DriverEvent): void;
  /**
   * `message`: each applied message is handed over and its cursor persisted before the next (the
   * bridge: a crash repeats at most one). `frame`: consecutive ones go as one batch and one store
   * write (the web: one render and one IndexedDB transaction per frame).
   */
  applyBatch: "message" | "frame";
  /** A dial that has not opened by then counts as failed (default 10 s). */
  dialTimeoutMs?: number;
  /**
   * A message still unacknowledged this long after it was queued on a live socket makes the
   * socket prove itself with a quick ping, so a link that died silently is found while the user
   * waits, not at the next heartbeat. Off when absent.
   */
  ackProbeMs?: number;
  /** How long the answer to a wake or probe ping may take (default 3 s). */
  quickPongMs?: number;
  /** True while a redial with nothing to send should wait for `wake()` (the web app, hidden). */
  mayPause?: () => boolean;
};
