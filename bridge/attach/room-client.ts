import { randomBytes } from "node:crypto";
import {
  type ClientStore,
  type DriverEvent,
  type DriverState,
  SyncDriver,
} from "../../shared/core/client/sync-driver.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { wsOrigin } from "../link/relay-client.ts";
import type { StateDb } from "../link/state-db.ts";
import { nodeClock, wsTransport } from "../link/ws-transport.ts";
import type { DeviceKeys } from "./device-keys.ts";

const MAX_KEYLESS = 20_000;

/** What a room client reports: every stored message opened (or why not), signals, its link. */
export type RoomEvents = {
  message(msg: StoredMsg): void;
  /** A body this device cannot open: shown as such, never trusted. */
  unverifiable(msg: StoredMsg, reason: string): void;
  signal(kind: string, body: unknown): void;
  state(state: DriverState): void;
  /** A key of the room arrived: what waited for one can be sent now. */
  keyed(): void;
  /** Caught up with `count` messages this device holds no key for yet (they show once one comes). */
  held(count: number): void;
  /** The relay refused a message for good. */
  rejected(mid: string, code: string, message: string): void;
  acked(mids: string[]): void;
};

export type RoomClientOptions = {
  relay: string;
  token: string;
  room: string;
  db: StateDb;
  keys: DeviceKeys;
  on: Partial<RoomEvents>;
  /** Replay only the last `tail` messages (the relay caps it at 1,000); default: the whole log. */
  tail?: number;
};

/**
 * One room as a controller reads and writes it, end to end: the shared SyncDriver over Node `ws`,
 * its outbox durable in `db` (what was typed survives the process), every body opened with the
 * device's keys before anyone sees it. The cursor is not kept: each start replays the room.
 */
export class RoomClient {
  readonly room: string;
  #o: RoomClientOptions;
  #driver: SyncDriver<false>;
  #waiters = new Set<() => void>();
  /** Read before the grant that opens them (a device paired later reads the earlier log). */
  #keyless: StoredMsg[] = [];

  constructor(o: RoomClientOptions) {
    this.room = o.room;
    this.#o = o;
    const url = `${wsOrigin(o.relay)}/v1/rooms/${encodeURIComponent(o.room)}`;
    this.#driver = new SyncDriver({
      engine: { cid: `tt${randomBytes(9).toString("base64url")}`, ...(o.tail ? { tail: o.tail } : {}) },
      transport: wsTransport(url, ["tether.v1", `bearer.${o.token}`]),
      store: replayingStore(o.db.clientStore(o.room), o.tail === undefined ? 0 : null),
      clock: nodeClock,
      // Nothing is derived from the log but what is printed: a frame's messages go out together.
      applyBatch: "frame",
      on: (e) => this.#on(e),
    });
    this.#driver.start();
  }

  get state(): DriverState {
    return this.#driver.state;
  }

  canSeal(): boolean {
    return this.#o.keys.canSeal(this.room);
  }

  /** Seals and queues durably; null while this device holds no key of the room yet. */
  send(kind: string, body: unknown): string | null {
    const mid = randomBytes(16).toString("base64url");
    const sealed = this.#o.keys.seal({ room: this.room, kind, mid }, body);
    if (sealed === null) return null;
    const r = this.#driver.send(kind, sealed, mid);
    if (!r.ok) throw new Error(`could not queue ${kind}: ${r.message}`);
    return mid;
  }

  /** A clear body (`keys.enroll`) under a fixed mid, so a retry is deduplicated by the relay. */
  sendClear(kind: string, body: unknown, mid: string): void {
    const r = this.#driver.send(kind, body, mid);
    if (!r.ok) throw new Error(`could not queue ${kind}: ${r.message}`);
  }

  signal(kind: string, body: unknown): void {
    const sealed = this.#o.keys.seal({ room: this.room, kind, mid: null }, body);
    if (sealed !== null) this.#driver.signal(kind, sealed);
  }

  outboxSize(): number {
    return this.#driver.outboxSize();
  }

  close(): void {
    this.#driver.close();
  }

  /**
   * Resolves true once `done()` holds (checked now and after each of the link's events), false
   * after `ms` or when the link stops for good.
   */
  until(done: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const over = this.#driver.state.kind === "fatal" || this.#driver.state.kind === "closed";
        if (!done() && !over) return;
        finish(done());
      };
      const timer = setTimeout(() => finish(false), ms);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(ok);
      };
      this.#waiters.add(check);
      check();
    });
  }

  #on(e: DriverEvent): void {
    this.#dispatch(e);
    for (const check of [...this.#waiters]) check();
  }

  #dispatch(e: DriverEvent): void {
    const on = this.#o.on;
    switch (e.type) {
      case "applied":
        for (const m of e.msgs) this.#apply(m);
        return;
      case "signal": {
        const { kind, body } = e.signal;
        const opened = this.#o.keys.open({ room: this.room, kind, mid: null }, body);
        if (opened.ok) on.signal?.(kind, opened.body);
        return;
      }
      case "state":
        if (e.state.kind === "live" && this.#keyless.length > 0) on.held?.(this.#keyless.length);
        return on.state?.(e.state);
      case "acked":
        return on.acked?.(e.acks.map((a) => a.mid));
      case "rejected":
        return on.rejected?.(e.mid, e.code, e.message);
      default:
        return;
    }
  }

  #apply(m: StoredMsg): void {
    const { keys, on } = this.#o;
    if (m.kind === "keys.grant") {
      if (!keys.takeGrant(this.room, m.body)) return;
      const keyless = this.#keyless;
      this.#keyless = [];
      for (const k of keyless) this.#open(k);
      on.keyed?.();
      return;
    }
    this.#open(m);
  }

  #open(m: StoredMsg): void {
    const { keys, on } = this.#o;
    const opened = keys.open({ room: this.room, kind: m.kind, mid: m.mid }, m.body);
    if (opened.ok) return on.message?.({ ...m, body: opened.body });
    if (opened.reason !== "unknown_key") return on.unverifiable?.(m, opened.reason);
    this.#keyless.push(m);
    // Bounded: past this many, the oldest is said to be unreadable instead of kept.
    const over = this.#keyless.length > MAX_KEYLESS ? this.#keyless.shift() : undefined;
    if (over) on.unverifiable?.(over, "unknown_key");
  }
}

/** The outbox as stored; the cursor always `start` (0: the whole log; null: the relay's tail). */
function replayingStore(inner: ClientStore<false>, start: number | null): ClientStore<false> {
  return {
    ...inner,
    load: () => ({ ...inner.load(), cursor: start }),
    persist: () => {},
  };
}
