import { randomBytes } from "node:crypto";
import { type DriverEvent, type DriverState, SyncDriver } from "../../shared/core/client/sync-driver.ts";
import { utf8Length } from "../../shared/core/util/utf8.ts";
import {
  type BodyOf,
  type Kind,
  Limits,
  type PushHint,
  type SignalKind,
  type StoredMsg,
} from "../../shared/protocol/index.ts";
import { applyGuarded } from "./guard.ts";
import type { BodySeal, LinkState, RoomHandlers, RoomLink } from "./room-link.ts";
import type { StateDb } from "./state-db.ts";
import { nodeClock, wsTransport } from "./ws-transport.ts";

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
  /** End-to-end encryption of every body (docs/protocol.md §12); none: bodies go as they are. */
  seal?: BodySeal;
  tail?: number;
  backoffCapMs?: number;
  heartbeat?: Heartbeat;
  onFatal(room: string, code: number, reason: string): void;
  onState(): void;
  onClosed(link: SocketLink): void;
};

export type Heartbeat = { pingEveryMs: number; pongTimeoutMs: number };

/**
 * One room of the bridge: the shared SyncDriver over Node `ws` and the StateDb, whose writes are
 * fsynced before they return. This class only turns the driver's events into RoomHandlers calls,
 * log lines and a LinkState.
 */
export class SocketLink implements RoomLink {
  readonly room: string;
  #d: LinkDeps;
  #driver: SyncDriver<false>;
  #state: LinkState = "connecting";

  constructor(deps: LinkDeps) {
    this.room = deps.room;
    this.#d = deps;
    const { cid, epoch, tail, backoffCapMs, heartbeat } = deps;
    const url = `${deps.wsOrigin}/v1/rooms/${encodeURIComponent(deps.room)}`;
    this.#driver = new SyncDriver({
      engine: {
        cid,
        epoch,
        ...(tail === undefined ? {} : { tail }),
        ...(backoffCapMs === undefined ? {} : { backoffCapMs }),
        ...heartbeat,
      },
      transport: wsTransport(url, ["tether.v1", `bearer.${deps.token}`]),
      store: deps.db.clientStore(deps.room),
      clock: nodeClock,
      // Handlers are idempotent by mid only for the last message before a crash (RoomHandlers).
      applyBatch: "message",
      on: (e) => this.#on(e),
    });
    this.#driver.start();
  }

  send<K extends Kind>(kind: K, body: BodyOf<K>, fixedMid?: string, push?: PushHint): string {
    const mid = fixedMid ?? randomBytes(16).toString("base64url");
    const seal = this.#d.seal;
    let wire: unknown = body;
    let hint = push;
    if (seal) {
      // The plaintext's limit (§12.3): sealed and base64'd it still fits the relay's body limit.
      const json = JSON.stringify(body);
      if (json === undefined) throw new Error(`room ${this.room}: cannot queue ${kind}: body is not JSON`);
      if (utf8Length(json) > Limits.plainBodyBytes) {
        queueMicrotask(() =>
          this.#d.handlers.onRejected?.(mid, "too_large", `body exceeds ${Limits.plainBodyBytes} bytes`),
        );
        return mid;
      }
      wire = seal.seal({ room: this.room, kind, mid }, body);
      if (push) hint = seal.sealPush(this.room, mid, push);
    }
    const r = this.#driver.send(kind, wire, mid, hint);
    if (r.ok) return mid;
    if (r.code !== "too_large") throw new Error(`room ${this.room}: cannot queue ${kind}: ${r.message}`);
    // The relay would refuse it the same way; saying so without a round trip keeps one code path.
    queueMicrotask(() => this.#d.handlers.onRejected?.(mid, r.code, r.message));
    return mid;
  }

  signal<K extends SignalKind>(kind: K, body: BodyOf<K>): void {
    const seal = this.#d.seal;
    this.#driver.signal(kind, seal ? seal.seal({ room: this.room, kind, mid: null }, body) : body);
  }

  outboxDepth(): number {
    return this.#driver.outboxSize();
  }

  state(): LinkState {
    return this.#state;
  }

  /** Stops the link; what is queued stays in the outbox for the next process. */
  close(): void {
    const kind = this.#driver.state.kind;
    if (kind === "closed" || kind === "fatal") return;
    this.#driver.close();
    this.#d.onClosed(this);
  }

  #on(e: DriverEvent): void {
    const { handlers, log } = this.#d;
    const at = `relay ${this.room}`;
    switch (e.type) {
      case "applied":
        for (const msg of e.msgs) this.#apply(msg);
        return;
      case "acked":
        return handlers.onAcked?.(e.acks);
      case "rejected":
        log.warn(`${at}: message ${e.mid} refused (${e.code}): ${e.message}`);
        return handlers.onRejected?.(e.mid, e.code, e.message);
      case "reset":
        return log.warn(`${at}: cursor unusable (${e.reason}); replaying from ${e.cursor + 1}`);
      case "state":
        return this.#setState(e.state);
      case "store_error":
        return log.error(`${at}: state db ${e.op} failed`, { error: String(e.error) });
      case "log":
        return log[e.level](`${at}: ${e.message}`);
      case "queued":
      case "signal":
      case "presence":
      case "history":
        return;
    }
  }

  /** Opens a body before any handler sees it; one that does not open is reported, never applied. */
  #apply(msg: StoredMsg): void {
    const { handlers, log, seal, db } = this.#d;
    if (!seal) return applyGuarded({ room: this.room, db, log, handlers }, msg);
    const opened = seal.open({ room: this.room, kind: msg.kind, mid: msg.mid }, msg.body);
    if (opened.ok) return applyGuarded({ room: this.room, db, log, handlers }, { ...msg, body: opened.body });
    log.warn(`relay ${this.room}: message ${msg.mid} does not open (${opened.reason}); skipped`, {
      kind: msg.kind.slice(0, 64),
      role: msg.role,
      seq: msg.seq,
    });
    try {
      handlers.onUnverifiable?.(msg, opened.reason);
    } catch (err) {
      log.error(`relay ${this.room}: could not report unverifiable message ${msg.mid}: ${String(err)}`);
    }
  }

  #setState(s: DriverState): void {
    const { handlers, log } = this.#d;
    if (s.kind === "waiting") {
      log.info(`relay ${this.room}: closed ${s.code} (${s.reason || "no reason"}); reconnecting`, {
        delayMs: Math.round(s.delayMs),
        attempt: s.attempt,
      });
    }
    if (s.kind === "fatal") log.error(`relay ${this.room}: closed ${s.code} (${s.reason}); not retrying`);
    const next = linkState(s);
    if (next !== this.#state) {
      this.#state = next;
      handlers.onState?.(next);
      this.#d.onState();
    }
    if (s.kind !== "fatal") return;
    handlers.onFatal?.(s.code, s.reason);
    this.#d.onFatal(this.room, s.code, s.reason);
  }
}

function linkState(s: DriverState): LinkState {
  switch (s.kind) {
    case "live":
      return "caught_up";
    case "syncing":
      return "open";
    case "loading":
    case "connecting":
      return "connecting";
    default:
      return "offline";
  }
}
