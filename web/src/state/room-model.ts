import { batch, signal } from "@preact/signals";
import { CLEAR_KINDS } from "../../../shared/protocol/e2e.ts";
import type { AckItem, Peer, StoredMsg } from "../../../shared/protocol/frames.ts";
import type { Role } from "../../../shared/protocol/ids.ts";
import type { BodyOf, Kind, SignalKind } from "../../../shared/protocol/kinds.ts";
import { Opener } from "../e2e/opener.ts";
import { RoomKeys } from "../e2e/room-keys.ts";
import { me } from "../lib/api.ts";
import { type Credential, rememberShareRole } from "../lib/credentials.ts";
import { newMid } from "../lib/ids.ts";
import { cidFor } from "../lib/tab-cid.ts";
import type { ConnState, QueuedView, RoomEvents, SendResult } from "../net/conn-state.ts";
import { IdbRoomStore } from "../net/idb-room-store.ts";
import { lean } from "../net/lean.ts";
import { RoomSocket } from "../net/room-socket.ts";
import { applyDelta, emptyLocal, type Local, type LocalRow } from "./local.ts";

const PAGE = 200;
const NO_KEY = "waiting for the machine's key to this session (your text stays here)";
/** Pages fetched on our own to find the room's info message (beyond that, the user scrolls). */
const ESSENTIAL_PAGES = 20;

/**
 * One open room as signals: the applied log, what this tab queued, streams, presence and the
 * connection. The socket writes into it; pages read folds of it.
 */
export class RoomModel {
  readonly room: string;
  readonly cred: Credential;
  readonly msgs = signal<StoredMsg[]>([]);
  readonly local = signal<Local>(emptyLocal);
  readonly conn = signal<ConnState>({ kind: "loading" });
  /** null while not connected: presence is unknown then. */
  readonly peers = signal<Peer[] | null>(null);
  /** When a presence last listed the bridge (this page's lifetime). */
  readonly bridgeSeenAt = signal<number | null>(null);
  readonly low = signal<number | null>(null);
  readonly loadingOlder = signal(false);
  readonly role = signal<Role | null>(null);
  /** This phone holds a key to seal with (docs/protocol.md §12): until then nothing can be sent. */
  readonly sealable = signal(false);
  /** A key grant addressed to this phone was read here: the bridge knows it (§12.4). */
  readonly granted = signal(false);
  readonly socket: RoomSocket;
  readonly keys: RoomKeys;
  #opener: Opener;
  /** What this tab sealed and queued, by mid: the "sending…" rows show it without opening it again. */
  #plain = new Map<string, unknown>();
  #store: IdbRoomStore;
  #essential: string;
  #essentialPages = 0;
  /** Listeners of the bridge's signals other than agent.delta (answers that are never stored). */
  #signalListeners = new Set<(kind: string, body: unknown) => void>();

  /** `essential`: the kind that describes the room (machine.info / session.info); fetched if missing. */
  constructor(room: string, cred: Credential, essential: string) {
    this.room = room;
    this.cred = cred;
    this.#essential = essential;
    this.#store = new IdbRoomStore(room);
    this.keys = new RoomKeys(
      room,
      cred.kind === "device" && cred.machineId
        ? { kind: "device", machineId: cred.machineId }
        : { kind: "share" },
    );
    this.#opener = new Opener(this.keys);
    void this.keys.ready.then(() => this.#noteKeys());
    this.role.value = cred.role;
    // A share may be a viewer or a controller; only the relay knows which (kept for offline opens).
    if (cred.kind === "share")
      void me(cred.token, cred.relay).then((r) => {
        if (!r.ok) return;
        this.role.value = r.data.role;
        void rememberShareRole(room, cred.token, r.data.role);
      });
    this.socket = new RoomSocket({
      room,
      token: cred.token,
      relay: cred.relay,
      cid: cidFor(cred.credId),
      store: this.#store,
      events: this.#events(),
    });
  }

  /**
   * Typed by kind (shared/protocol/kinds.ts): the body is what that kind's schema describes. It is
   * sealed (§12.3) before it enters the outbox, so a resend is the very same bytes; without a key
   * for the room yet, nothing is queued and the caller keeps what the user typed.
   */
  async send<K extends Kind>(kind: K, body: BodyOf<K>, mid = newMid()): Promise<SendResult> {
    if (CLEAR_KINDS.has(kind)) return this.socket.send(kind, body, mid);
    const sealed = await this.keys.seal(kind, mid, body);
    if (!sealed) return { ok: false, message: NO_KEY };
    this.#plain.set(mid, body);
    const r = await this.socket.send(kind, sealed, mid);
    if (!r.ok) this.#plain.delete(mid);
    return r;
  }

  /** A signal, sealed; dropped while this phone has no key (signals are best effort anyway). */
  signal<K extends SignalKind>(kind: K, body: BodyOf<K>): void {
    void this.keys.seal(kind, null, body).then((sealed) => {
      if (sealed) this.socket.signal(kind, sealed);
    });
  }

  /** Older messages: from this device's mirror when it has them without a gap, else from the relay. */
  async loadOlder(): Promise<void> {
    const oldest = this.msgs.value[0]?.seq;
    if (oldest === undefined || oldest <= (this.low.value ?? 1) || this.loadingOlder.value) return;
    this.loadingOlder.value = true;
    const local = contiguousEnd(await this.#store.older(oldest, PAGE), oldest);
    if (local.length > 0) {
      const opened = await this.#opener.open(local);
      this.msgs.value = merge(this.msgs.value, opened.msgs);
      if (opened.fresh) this.#opener.after(() => this.#reopen());
      this.loadingOlder.value = false;
      return this.#ensureEssential();
    }
    if (!this.socket.history(oldest, PAGE)) this.loadingOlder.value = false;
  }

  /** Hears every signal the bridge sends to this room from now on; returns how to stop. */
  onBridgeSignal(listener: (kind: string, body: unknown) => void): () => void {
    this.#signalListeners.add(listener);
    return () => this.#signalListeners.delete(listener);
  }

  hasOlder(): boolean {
    const oldest = this.msgs.value[0]?.seq;
    return oldest !== undefined && oldest > (this.low.value ?? 1);
  }

  close(): void {
    this.socket.close();
  }

  /** Closes a room whose credential the relay refused elsewhere (another room of the same key got 4001). */
  closeRevoked(): void {
    this.socket.close();
    // After the "closed" the socket just reported, which waits in the same chain (opening is async).
    this.#opener.after(() => {
      if (this.conn.value.kind !== "fatal")
        this.conn.value = { kind: "fatal", code: 4001, reason: "revoked" };
    });
  }

  /**
   * The socket's events. Everything that reads or changes what the page shows goes through the
   * opener's chain, so messages are opened (async) and applied in the order they came.
   */
  #events(): RoomEvents {
    const o = this.#opener;
    return {
      loaded: (msgs, outbox) =>
        o.after(async () => {
          const opened = await o.open(contiguousEnd(msgs, null));
          const rows = await Promise.all(outbox.map((r) => this.#toLocal(r)));
          batch(() => {
            this.msgs.value = opened.msgs;
            this.#setLocal({ outbox: rows });
          });
          if (opened.fresh) await this.#reopen();
        }),
      applied: (items) =>
        o.after(async () => {
          const opened = await o.open(items);
          this.#applied(opened.msgs);
          if (opened.fresh) await this.#reopen();
        }),
      reset: () =>
        o.after(() =>
          batch(() => {
            this.msgs.value = [];
            this.low.value = null;
            this.#setLocal({ streams: new Map() });
          }),
        ),
      queued: (row) =>
        o.after(async () =>
          this.#setLocal({ outbox: [...this.local.value.outbox, await this.#toLocal(row)] }),
        ),
      acked: (acks: AckItem[]) =>
        o.after(() => {
          const acked = new Set(this.local.value.acked);
          for (const a of acks) acked.add(a.mid);
          this.#setLocal({ acked });
        }),
      rejected: (mid, code, message) => o.after(() => this.#rejected(mid, code, message)),
      signal: (s) => {
        if (s.role !== "bridge") return;
        o.after(async () => {
          const r = await this.keys.open(s.kind, null, s.body);
          if (!r.ok)
            return console.warn(`tether ${this.room}: a ${s.kind} signal could not be verified: ${r.reason}`);
          if (s.kind === "agent.delta") this.#delta(r.body);
          for (const listener of this.#signalListeners) listener(s.kind, r.body);
        });
      },
      presence: (peers) =>
        batch(() => {
          this.peers.value = peers;
          if (peers.some((p) => p.role === "bridge")) this.bridgeSeenAt.value = Date.now();
        }),
      history: (items, low) =>
        o.after(async () => {
          const opened = await o.open(items.map(lean));
          batch(() => {
            this.msgs.value = merge(this.msgs.value, opened.msgs);
            this.low.value = low;
            this.loadingOlder.value = false;
          });
          if (opened.fresh) await this.#reopen();
          this.#ensureEssential();
        }),
      state: (s) =>
        o.after(() =>
          batch(() => {
            this.conn.value = s;
            if (s.kind !== "live" && s.kind !== "syncing") this.peers.value = null;
            if (s.kind !== "live") return;
            // Caught up: a key that has not come by now is not on its way (§12.3).
            const given = o.caughtUp();
            if (given.length > 0) this.msgs.value = merge(this.msgs.value, given);
            this.#ensureEssential();
          }),
        ),
    };
  }

  /** A grant brought a key: what waited for it opens now (in place, by seq). */
  async #reopen(): Promise<void> {
    this.#noteKeys();
    const again = await this.#opener.reopen();
    if (again.length > 0) this.msgs.value = merge(this.msgs.value, again);
  }

  #noteKeys(): void {
    this.sealable.value = this.keys.canSeal;
    this.granted.value = this.keys.granted;
  }

  #rejected(mid: string, code: string, message: string): void {
    this.#plain.delete(mid);
    const row = this.local.value.outbox.find((r) => r.mid === mid);
    this.#setLocal({
      outbox: this.local.value.outbox.filter((r) => r.mid !== mid),
      rejected: row ? [...this.local.value.rejected, { ...row, code, message }] : this.local.value.rejected,
    });
  }

  #applied(items: StoredMsg[]): void {
    batch(() => {
      this.msgs.value = merge(this.msgs.value, items);
      const stored = new Set(items.map((m) => m.mid));
      for (const mid of stored) this.#plain.delete(mid);
      const l = this.local.value;
      const outbox = l.outbox.filter((r) => !stored.has(r.mid));
      // A finished turn has nothing left to stream; the stored messages hold the text.
      const turnEnded = items.some((m) => m.kind === "turn.result" || m.kind === "session.transition");
      if (outbox.length !== l.outbox.length || turnEnded) {
        this.#setLocal({ outbox, ...(turnEnded ? { streams: new Map() } : {}) });
      }
    });
  }

  /** A queued message as the view shows it: its plaintext (kept from sending, or opened again). */
  async #toLocal(row: QueuedView): Promise<LocalRow> {
    const base = { mid: row.mid, kind: row.kind, at: row.at };
    // A chunk's data is only the outbox's business (its progress needs only the mid).
    if (row.kind === "attachment.chunk") return { ...base, body: null };
    if (this.#plain.has(row.mid)) return { ...base, body: this.#plain.get(row.mid) };
    const r = await this.keys.open(row.kind, row.mid, parseJson(row.bodyJson));
    return { ...base, body: r.ok ? r.body : null };
  }

  #delta(body: unknown): void {
    const streams = applyDelta(this.local.value.streams, body);
    if (streams) this.#setLocal({ streams });
  }

  /** A share link or a long room may start with a window that lacks the room's info: page back for it. */
  #ensureEssential(): void {
    if (this.conn.value.kind !== "live" || this.loadingOlder.value) return;
    if (this.msgs.value.some((m) => m.kind === this.#essential)) return;
    if (!this.hasOlder() || this.#essentialPages >= ESSENTIAL_PAGES) return;
    this.#essentialPages++;
    void this.loadOlder();
  }

  #setLocal(patch: Partial<Local>): void {
    this.local.value = { ...this.local.value, ...patch };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    console.warn("tether: a queued body is not JSON", err);
    return null;
  }
}

/** Merges ascending runs by seq; the common case (all newer) appends without re-sorting. */
export function merge(have: StoredMsg[], more: readonly StoredMsg[]): StoredMsg[] {
  if (more.length === 0) return have;
  const last = have.at(-1)?.seq ?? -1;
  if (more.every((m, i) => m.seq > (i === 0 ? last : (more[i - 1]?.seq ?? last)))) return [...have, ...more];
  const bySeq = new Map<number, StoredMsg>();
  for (const m of have) bySeq.set(m.seq, m);
  for (const m of more) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The gap-free run at the end of `msgs` (ending just below `before` when given): a transcript
 * with a hole in the middle would misplace answers and prompts.
 */
export function contiguousEnd(msgs: readonly StoredMsg[], before: number | null): StoredMsg[] {
  let i = msgs.length - 1;
  if (i < 0 || (before !== null && msgs[i]?.seq !== before - 1)) return [];
  while (i > 0 && msgs[i - 1]?.seq === (msgs[i]?.seq ?? 0) - 1) i--;
  return msgs.slice(i);
}
