import { Cid, RoomId } from "../../shared/protocol/index.ts";
import type { BodySeal, LinkState, RoomHandlers, RoomLink } from "./room-link.ts";
import { type Heartbeat, type RelayLog, SocketLink } from "./socket-link.ts";
import type { StateDb } from "./state-db.ts";

export type { Heartbeat, RelayLog } from "./socket-link.ts";

/** All links caught up, some, or none (no link open at all is `idle`). */
export type ClientState = "idle" | "online" | "partial" | "offline";

export type Fatal = { room: string; code: number; reason: string };

export type RelayClientOptions = {
  /** http(s) or ws(s) origin of the relay. */
  url: string;
  token: string;
  /** One per bridge install. */
  cid: string;
  db: StateDb;
  log: RelayLog;
  /** Seals and opens every body (docs/protocol.md §12); the bridge always gives one. */
  seal?: BodySeal;
  /**
   * 4001 (token refused), 4403 (room out of scope) or 4003 (fenced: a newer bridge process holds
   * this cid; the caller must exit). The link has stopped; the others go on.
   */
  onFatal?: (fatal: Fatal) => void;
  onState?: (state: ClientState) => void;
  /** Upper bound of the reconnect backoff; docs/protocol.md §8.2 says 30 s, tests shorten it. */
  backoffCapMs?: number;
  /** Default: ping every 15 s, reconnect when no pong comes within 10 s (docs/protocol.md §8.1). */
  heartbeat?: Heartbeat;
};

export type OpenOptions = {
  /**
   * Replay length when the room has no cursor yet. Default 0: a bridge that lost its state must
   * not act again on commands it may already have carried out.
   */
  tail?: number;
  /**
   * This process just created the room: everything in it is addressed to the bridge, even what a
   * phone sent before the bridge's hello, so with no cursor yet it replays from the start.
   */
  fresh?: boolean;
};

/**
 * The bridge's transport to the relay: one cid and one epoch per process, one RoomLink per open
 * room, every outbound message durable in the StateDb before it is sent.
 */
export class RelayClient {
  #o: RelayClientOptions;
  #wsOrigin: string;
  #epoch: number | null = null;
  #links = new Map<string, SocketLink>();
  #state: ClientState = "idle";

  constructor(options: RelayClientOptions) {
    const cid = Cid.safeParse(options.cid);
    if (!cid.success) throw new Error(`invalid cid ${JSON.stringify(options.cid)}`);
    this.#o = options;
    this.#wsOrigin = wsOrigin(options.url);
  }

  /** Takes this process's epoch (persisted, one higher than the last start) and returns it. */
  start(): number {
    if (this.#epoch !== null) throw new Error("RelayClient.start() called twice");
    this.#epoch = this.#o.db.nextEpoch();
    return this.#epoch;
  }

  get epoch(): number | null {
    return this.#epoch;
  }

  openRoom(room: string, handlers: RoomHandlers, options: OpenOptions = {}): RoomLink {
    if (this.#epoch === null) throw new Error("RelayClient.openRoom() before start()");
    if (!RoomId.safeParse(room).success) throw new Error(`invalid room id ${JSON.stringify(room)}`);
    // Two sockets of one cid and epoch would keep replacing each other (close 1000 "replaced").
    if (this.#links.has(room)) throw new Error(`room ${room} is already open`);
    const { token, cid, db, log, backoffCapMs, heartbeat, seal } = this.#o;
    if (options.fresh && db.cursor(room) === null) db.setCursor(room, 0);
    const link = new SocketLink({
      room,
      wsOrigin: this.#wsOrigin,
      token,
      cid,
      epoch: this.#epoch,
      db,
      log,
      handlers,
      ...(seal ? { seal } : {}),
      tail: options.tail ?? 0,
      ...(backoffCapMs === undefined ? {} : { backoffCapMs }),
      ...(heartbeat === undefined ? {} : { heartbeat }),
      onFatal: (r, code, reason) => this.#o.onFatal?.({ room: r, code, reason }),
      onState: () => this.#updateState(),
      onClosed: (l) => {
        if (this.#links.get(l.room) === l) this.#links.delete(l.room);
        this.#updateState();
      },
    });
    this.#links.set(room, link);
    this.#updateState();
    return link;
  }

  /** Messages of `room` queued and not yet acknowledged, from disk (the room need not be open). */
  outboxDepth(room: string): number {
    return this.#o.db.outboxDepth(room);
  }

  state(): ClientState {
    return this.#state;
  }

  rooms(): Map<string, LinkState> {
    return new Map([...this.#links].map(([room, link]) => [room, link.state()]));
  }

  /** Closes every link. The outbox stays on disk for the next start. */
  close(): void {
    for (const link of [...this.#links.values()]) link.close();
    this.#links.clear();
    this.#updateState();
  }

  #updateState(): void {
    const states = [...this.#links.values()].map((l) => l.state());
    const up = states.filter((s) => s === "caught_up").length;
    const next: ClientState =
      states.length === 0 ? "idle" : up === states.length ? "online" : up > 0 ? "partial" : "offline";
    if (next === this.#state) return;
    this.#state = next;
    this.#o.onState?.(next);
  }
}

/** The relay's origin with a WebSocket scheme: http→ws, https→wss. */
export function wsOrigin(url: string): string {
  const u = new URL(url);
  const scheme = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }[u.protocol];
  if (scheme === undefined) throw new Error(`relay url must be http(s) or ws(s): ${url}`);
  return `${scheme}//${u.host}`;
}
