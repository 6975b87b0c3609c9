import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { z } from "zod";
import {
  admitSocket,
  closeToken,
  newPeerState,
  newRoomMemo,
  onAlarm,
  onFrame,
  onLeave,
  type PeerSocket,
  type PeerState,
  type RoomEnv,
  SqlRoomStore,
} from "../shared/core/room/index.ts";
import { Close, Limits, Role, TokenKind } from "../shared/protocol/index.ts";
import { doSql } from "./do-sql.ts";
import { AUTH_HEADER, type SocketAuth } from "./env.ts";
import { RoomPusher } from "./room-pusher.ts";

const Auth = z.object({
  tokenId: z.string(),
  kind: TokenKind,
  role: Role,
  machineId: z.string(),
  expiresAt: z.number().nullable(),
});

/**
 * One room: an append-only log in SQLite with hibernating sockets. All decisions are made by the
 * pure core in shared/core; this class only adapts partyserver connections and storage to it.
 */
export class Room extends Server<Env> {
  static override options = { hibernate: true };
  #store: SqlRoomStore;
  #peers = new WeakMap<WebSocket, DoPeer>();
  #alarms: Promise<void> = Promise.resolve();
  #destroyed = false;
  readonly #memo = newRoomMemo();
  #pusher: RoomPusher | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new SqlRoomStore(doSql(ctx.storage));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    const auth = readAuth(ctx.request);
    return auth ? [auth.tokenId] : [];
  }

  override onConnect(conn: Connection<PeerState>, ctx: ConnectionContext): void {
    const auth = readAuth(ctx.request);
    if (this.#destroyed) return conn.close(Close.notFound, "room deleted");
    if (!auth) return conn.close(Close.unauthorized, "unauthorized");
    const now = Date.now();
    conn.setState(newPeerState(auth, now));
    const peer = this.#peer(conn);
    if (peer && !admitSocket(this.#env(), peer)) return;
    this.#requestAlarm(now + Limits.livenessEveryMs);
  }

  /**
   * A socket this instance already knows goes straight to the core: partyserver's own path
   * deserialises the attachment on every frame. Others (after hibernation) take partyserver's path.
   */
  override async webSocketMessage(ws: WebSocket, message: WSMessage): Promise<void> {
    const peer = this.#peers.get(ws);
    if (!peer) return super.webSocketMessage(ws, message);
    try {
      onFrame(this.#env(), peer, message);
    } catch (err) {
      console.error("room: frame failed", this.name, peer.conn.id, err);
    }
  }

  override onMessage(conn: Connection<PeerState>, message: WSMessage): void {
    const peer = this.#peer(conn);
    if (!peer) return conn.close(Close.unauthorized, "unauthorized");
    onFrame(this.#env(), peer, message);
  }

  override onClose(conn: Connection<PeerState>): void {
    if (conn.state?.cid) onLeave(this.#env());
    if (conn.state?.role === "bridge") this.#pushes().bridgeLeft(Date.now());
  }

  override onError(conn: Connection, error: unknown): void {
    console.warn("room: socket error", this.name, conn.id, error);
  }

  override async onAlarm(): Promise<void> {
    const core = onAlarm(this.#env());
    const pushes = await this.#pushes().onAlarm(Date.now());
    const next = [core, pushes].filter((t) => t !== null);
    if (next.length > 0) await this.ctx.storage.setAlarm(Math.min(...next));
  }

  /** RPC from the Directory: a token was revoked; close its sockets. */
  async closeToken(tokenId: string, code: number, reason: string): Promise<number> {
    return closeToken(this.#env(), tokenId, code, reason);
  }

  /** RPC from the Directory: the room was deleted; close every socket with 4004 and drop storage. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const conn of this.getConnections()) conn.close(Close.notFound, "room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  #env(): RoomEnv {
    return {
      store: this.#store,
      config: {
        room: this.name,
        maxMessages: positive(this.env.TETHER_ROOM_MAX_MESSAGES, Limits.roomMaxMessagesDefault),
        maxBytes: positive(this.env.TETHER_ROOM_MAX_BYTES, Limits.roomMaxBytesDefault),
        socketsPerToken: positive(this.env.TETHER_SOCKETS_PER_TOKEN, Limits.socketsPerToken),
        cidsPerToken: positive(this.env.TETHER_CIDS_PER_TOKEN, Limits.cidsPerToken),
      },
      peers: () => this.#openPeers(),
      now: () => Date.now(),
      requestAlarm: (at) => this.#requestAlarm(at),
      memo: this.#memo,
      later: (ms, fn) => {
        setTimeout(fn, ms);
      },
      pushes: { stored: (items) => this.#pushes().stored(items) },
    };
  }

  /** Made on first use: `this.name` is known only once partyserver has set it. */
  #pushes(): RoomPusher {
    this.#pusher ??= new RoomPusher({
      room: this.name,
      sql: doSql(this.ctx.storage),
      plan: (now, tokenId) => this.#directory().pushPlan(this.name, now, tokenId),
      outcome: (tokenId, endpoint, outcome, error) =>
        this.#directory().pushOutcome(tokenId, endpoint, outcome, error),
      watchers: () => this.#watchers(),
      subject: pushSubject(this.env),
      willGraceMs: positive(this.env.TETHER_PUSH_WILL_GRACE_MS, Limits.pushWillGraceMs),
      requestAlarm: (at) => this.#requestAlarm(at),
      fetch: (url, init) => fetch(url, init),
    });
    return this.#pusher;
  }

  #directory() {
    return this.env.DIRECTORY.getByName("directory");
  }

  *#watchers(): Iterable<{ focused: boolean; lastSeen: number; role: string }> {
    for (const peer of this.#openPeers()) {
      const { focused, role } = peer.state;
      yield { focused: focused === true, lastSeen: Math.max(peer.state.lastSeen, peer.pingAt() ?? 0), role };
    }
  }

  /** From the in-memory peers: partyserver's getConnections() deserialises every attachment. */
  *#openPeers(): Iterable<PeerSocket> {
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState !== WebSocket.READY_STATE_OPEN) continue;
      const peer = this.#peers.get(ws) ?? this.#adopt(ws);
      if (peer) yield peer;
    }
  }

  /** A socket accepted before this instance woke from hibernation: rebuilt from its attachment. */
  #adopt(ws: WebSocket): DoPeer | null {
    for (const conn of this.getConnections<PeerState>()) if (!this.#peers.has(conn)) this.#peer(conn);
    return this.#peers.get(ws) ?? null;
  }

  /** One PeerSocket object per socket for the life of this instance, so state is never forked. */
  #peer(conn: Connection<PeerState>): DoPeer | null {
    const known = this.#peers.get(conn);
    if (known) return known;
    const state = conn.state;
    if (!state) return null;
    const peer = new DoPeer(conn, state, this.ctx);
    this.#peers.set(conn, peer);
    return peer;
  }

  #requestAlarm(at: number): void {
    this.#alarms = this.#alarms
      .then(async () => {
        const current = await this.ctx.storage.getAlarm();
        if (current === null || current > at) await this.ctx.storage.setAlarm(at);
      })
      .catch((err) => console.error("room: could not set alarm", this.name, err));
  }
}

class DoPeer implements PeerSocket {
  /** The attachment as last written: a save that changes nothing writes nothing. */
  #saved: string;
  constructor(
    readonly conn: Connection<PeerState>,
    readonly state: PeerState,
    readonly ctx: DurableObjectState,
  ) {
    this.#saved = JSON.stringify(state);
  }
  send(text: string): void {
    if (this.conn.readyState !== WebSocket.READY_STATE_OPEN) return;
    this.conn.send(text);
  }
  close(code: number, reason: string): void {
    if (this.conn.readyState === WebSocket.READY_STATE_OPEN) this.conn.close(code, reason);
  }
  save(): void {
    const text = JSON.stringify(this.state);
    if (text === this.#saved) return;
    this.#saved = text;
    this.conn.setState(this.state);
  }
  pingAt(): number | null {
    return this.ctx.getWebSocketAutoResponseTimestamp(this.conn)?.getTime() ?? null;
  }
}

function readAuth(request: Request): SocketAuth | null {
  const raw = request.headers.get(AUTH_HEADER);
  if (!raw) return null;
  const parsed = Auth.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** The VAPID `sub`: the operator's, else the public origin when it is HTTPS, else a placeholder address. */
function pushSubject(env: Env): string {
  if (env.TETHER_PUSH_SUBJECT) return env.TETHER_PUSH_SUBJECT;
  const origin = env.TETHER_PUBLIC_URL ?? "";
  return origin.startsWith("https://") ? origin : "mailto:push@tether.invalid";
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
