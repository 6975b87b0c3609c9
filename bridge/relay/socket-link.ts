import { randomBytes } from "node:crypto";
import { WebSocket as PartySocketWS } from "partysocket";
import WS from "ws";
import {
  outboxEntry,
  prepareOut,
  type SyncAction,
  SyncEngine,
} from "../../shared/core/client/sync-engine.ts";
import type { BodyOf, Kind, SignalKind } from "../../shared/protocol/index.ts";
import type { LinkState, RoomHandlers, RoomLink } from "./room-link.ts";
import type { StateDb } from "./state-db.ts";

/** console satisfies this; the bridge's logger may add structure. */
export type RelayLog = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

export type LinkDeps = {
  room: string;
  /** ws(s) origin of the relay. */
  wsOrigin: string;
  token: string;
  cid: string;
  epoch: number;
  db: StateDb;
  log: RelayLog;
  handlers: RoomHandlers;
  tail?: number;
  backoffCapMs?: number;
  heartbeat?: Heartbeat;
  onFatal(room: string, code: number, reason: string): void;
  onState(): void;
  onClosed(link: SocketLink): void;
};

export type Heartbeat = { pingEveryMs: number; pongTimeoutMs: number };

/** How long one dial may take before it counts as failed (partysocket's default, 4 s, is tight). */
const DIAL_TIMEOUT_MS = 10_000;

/**
 * One room over partysocket, driven by the pure SyncEngine. partysocket's own retry loop is off
 * (its backoff is not full-jitter): the engine decides when to dial, this class only dials, writes,
 * persists and calls handlers, in the order the engine's actions say.
 */
export class SocketLink implements RoomLink {
  readonly room: string;
  #d: LinkDeps;
  #engine: SyncEngine;
  #ws: PartySocketWS;
  #queue: SyncAction[] = [];
  #draining = false;
  #stopped = false;
  #state: LinkState = "connecting";
  #persisted: number | null;
  #tick: { at: number; timer: NodeJS.Timeout } | null = null;
  #retry: NodeJS.Timeout | null = null;

  constructor(deps: LinkDeps) {
    this.room = deps.room;
    this.#d = deps;
    this.#persisted = deps.db.cursor(deps.room);
    const outbox = deps.db.outbox(deps.room).map((q) => outboxEntry(q.mid, q.kind, q.bodyJson));
    this.#engine = new SyncEngine({
      cid: deps.cid,
      epoch: deps.epoch,
      cursor: this.#persisted,
      outbox,
      ...(deps.tail === undefined ? {} : { tail: deps.tail }),
      ...(deps.backoffCapMs === undefined ? {} : { backoffCapMs: deps.backoffCapMs }),
      ...deps.heartbeat,
    });
    const url = `${deps.wsOrigin}/v1/rooms/${encodeURIComponent(deps.room)}`;
    this.#ws = new PartySocketWS(url, ["tether.v1", `bearer.${deps.token}`], {
      WebSocket: WS,
      startClosed: true,
      shouldReconnectOnClose: () => false,
      // Never buffer inside partysocket: a frame written before `hello` would be refused.
      maxEnqueuedMessages: 0,
      connectionTimeout: DIAL_TIMEOUT_MS,
    });
    this.#listen();
    this.#ws.reconnect();
  }

  send<K extends Kind>(kind: K, body: BodyOf<K>, fixedMid?: string): string {
    const mid = fixedMid ?? randomBytes(16).toString("base64url");
    const p = prepareOut(mid, kind, body);
    if (!p.ok && p.code === "bad_frame")
      throw new Error(`room ${this.room}: cannot queue ${kind}: ${p.message}`);
    if (!p.ok) {
      // The relay would refuse it the same way; saying so without a round trip keeps one code path.
      queueMicrotask(() => this.#d.handlers.onRejected?.(mid, p.code, p.message));
      return mid;
    }
    // A fixed mid already queued is the same message again (a retry after a crash): queue it once.
    const queued = this.#d.db.enqueue(this.room, { mid, kind, bodyJson: p.entry.bodyJson }, Date.now());
    if (queued && !this.#stopped) this.#run(this.#engine.enqueue(p.entry, performance.now()));
    return mid;
  }

  signal<K extends SignalKind>(kind: K, body: BodyOf<K>): void {
    if (!this.#stopped) this.#run(this.#engine.signal(kind, body, performance.now()));
  }

  outboxDepth(): number {
    return this.#engine.unacked().length;
  }

  state(): LinkState {
    return this.#state;
  }

  /** Stops the link; what is queued stays in the outbox for the next process. */
  close(): void {
    if (this.#stopped) return;
    this.#run(this.#engine.flushAck());
    this.#stop();
    this.#d.onClosed(this);
  }

  #listen(): void {
    this.#ws.addEventListener("open", () => {
      this.#run(this.#engine.opened(performance.now()));
    });
    this.#ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") return this.#run(this.#engine.frame(event.data, performance.now()));
      this.#d.log.warn(`relay ${this.room}: ignored a binary frame`);
    });
    this.#ws.addEventListener("close", (event) => {
      this.#run(this.#engine.closed(event.code, event.reason, performance.now()));
    });
    this.#ws.addEventListener("error", (event) => {
      // partysocket turns a failed dial into a close 1000 and then this event, which has the cause.
      if (!this.#stopped) this.#d.log.info(`relay ${this.room}: socket error: ${event.message}`);
    });
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
    } catch (err) {
      // A handler threw (a bug). Stop here: the cursor stays before the message, so the next
      // process applies it again instead of this one skipping it.
      this.#d.log.error(`relay ${this.room}: stopped after a handler error`, { error: String(err) });
      this.#stop();
      throw err;
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
    this.#arm();
    this.#setState();
  }

  #do(a: SyncAction): void {
    const { db, handlers, log } = this.#d;
    switch (a.type) {
      case "send":
        if (this.#ws.readyState === PartySocketWS.OPEN) this.#ws.send(a.text);
        return;
      case "apply":
        handlers.onMessage(a.msg);
        return this.#persist(a.msg.seq);
      case "cursor":
        return this.#persist(a.seq);
      case "reset":
        log.warn(`relay ${this.room}: cursor unusable (${a.reason}); replaying from ${a.cursor + 1}`);
        return handlers.onReset?.(a.reason);
      case "acked":
        db.remove(
          this.room,
          a.acks.map((ack) => ack.mid),
        );
        return handlers.onAcked?.(a.acks);
      case "rejected":
        db.remove(this.room, [a.mid]);
        log.warn(`relay ${this.room}: message ${a.mid} refused (${a.code}): ${a.message}`);
        return handlers.onRejected?.(a.mid, a.code, a.message);
      case "signal":
        return handlers.onSignal?.(a.signal);
      case "presence":
        return handlers.onPresence?.(a.peers);
      case "history":
      case "phase":
        return;
      case "drop":
        return this.#drop(a.reason);
      case "reconnect":
        log.info(`relay ${this.room}: closed ${a.code} (${a.reason || "no reason"}); reconnecting`, {
          delayMs: Math.round(a.delayMs),
          attempt: a.attempt,
        });
        return this.#scheduleDial(a.delayMs);
      case "fatal":
        return this.#fatal(a.code, a.reason);
      case "log":
        return log[a.level](`relay ${this.room}: ${a.message}`);
    }
  }

  #persist(seq: number): void {
    if (seq === this.#persisted) return;
    this.#d.db.setCursor(this.room, seq);
    this.#persisted = seq;
  }

  #drop(reason: string): void {
    this.#d.log.info(`relay ${this.room}: dropping the socket: ${reason}`);
    // partysocket dispatches the close synchronously; if the socket was already closing it does
    // not, and the engine must still hear about it once.
    this.#ws.close(1000, reason.slice(0, 100));
    if (this.#engine.phase === "dropping") this.#run(this.#engine.closed(1000, reason, performance.now()));
  }

  #scheduleDial(delayMs: number): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#stopped) return;
      this.#ws.reconnect();
      this.#setState();
    }, delayMs);
  }

  #fatal(code: number, reason: string): void {
    this.#d.log.error(`relay ${this.room}: closed ${code} (${reason}); not retrying`);
    this.#stop();
    this.#d.handlers.onFatal?.(code, reason);
    this.#d.onFatal(this.room, code, reason);
  }

  /** One timer at the engine's next deadline. */
  #arm(): void {
    const at = this.#stopped ? null : this.#engine.deadline();
    if (this.#tick?.at === at) return;
    if (this.#tick) clearTimeout(this.#tick.timer);
    this.#tick = null;
    if (at === null) return;
    const timer = setTimeout(
      () => {
        this.#tick = null;
        this.#run(this.#engine.tick(performance.now()));
      },
      Math.max(0, at - performance.now()),
    );
    this.#tick = { at, timer };
  }

  #stop(): void {
    this.#stopped = true;
    if (this.#tick) clearTimeout(this.#tick.timer);
    if (this.#retry) clearTimeout(this.#retry);
    this.#tick = null;
    this.#retry = null;
    this.#ws.close(1000, "closing");
    this.#setState();
  }

  #setState(): void {
    const next = this.#stopped ? "offline" : stateOf(this.#engine.phase, this.#retry !== null);
    if (next === this.#state) return;
    this.#state = next;
    this.#d.handlers.onState?.(next);
    this.#d.onState();
  }
}

function stateOf(phase: SyncEngine["phase"], waiting: boolean): LinkState {
  switch (phase) {
    case "live":
      return "caught_up";
    case "replay":
      return "open";
    case "fatal":
      return "offline";
    case "connecting":
      return waiting ? "offline" : "connecting";
    default:
      return "connecting";
  }
}
