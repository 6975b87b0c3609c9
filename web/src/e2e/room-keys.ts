import type { BodyContext } from "../../../shared/core/e2e/context.ts";
import {
  type E2eKey,
  importRoomKey,
  type Opened,
  openBody,
  sealBody,
  unwrapRoomKey,
} from "../../../shared/core/e2e/webcrypto.ts";
import { CLEAR_KINDS, KeysGrant, type Sealed } from "../../../shared/protocol/e2e.ts";
import { deviceKeys, loadRoomKeys, type Recipient, saveRoomKey, shareKey } from "./key-store.ts";

/** Which credential a room is opened with: its machine's pairing, or a share link of that room. */
export type KeyHolder = { kind: "device"; machineId: string } | { kind: "share" };

/**
 * One room's keys on this phone (docs/protocol.md §12.2–12.3): every generation it was granted,
 * from IndexedDB and from the room's `keys.grant` messages, which it unwraps with the recipient
 * key of the credential it reads the room with. Seals what the phone sends with the newest
 * generation; opens what it reads.
 */
export class RoomKeys {
  readonly room: string;
  #keys = new Map<number, E2eKey>();
  #recipient: Recipient | null = null;
  /** A grant addressed to this phone's recipient verified: the bridge knows this pairing or link. */
  #granted = false;
  readonly ready: Promise<void>;

  constructor(room: string, holder: KeyHolder) {
    this.room = room;
    this.ready = this.#load(holder);
  }

  /** Whether this phone can seal for the room yet (it holds a key of some generation). */
  get canSeal(): boolean {
    return this.#keys.size > 0;
  }

  /** Whether a grant for this phone was read (its enroll reached the bridge). */
  get granted(): boolean {
    return this.#granted;
  }

  /** The newest generation held, or null. */
  newest(): number | null {
    let max: number | null = null;
    for (const k of this.#keys.keys()) if (max === null || k > max) max = k;
    return max;
  }

  /**
   * Takes the keys a `keys.grant` body wraps for this phone; true when one of them is new. A grant
   * for someone else, or one that does not verify, is passed over (logged when it claims to be ours).
   */
  async absorb(body: unknown): Promise<boolean> {
    await this.ready;
    const grant = KeysGrant.safeParse(body);
    const me = this.#recipient;
    if (!grant.success || !me || grant.data.room !== this.room) return false;
    let fresh = false;
    for (const w of grant.data.keys) {
      if (w.to !== me.to || (this.#granted && this.#keys.has(w.k))) continue;
      const raw = await unwrapRoomKey(me.wrapKey, this.room, w);
      if (!raw) {
        console.warn(`tether ${this.room}: a key grant for this device does not verify (generation ${w.k})`);
        continue;
      }
      if (!this.#granted) fresh = true;
      this.#granted = true;
      if (this.#keys.has(w.k)) continue;
      const key = await importRoomKey(raw);
      raw.fill(0);
      this.#keys.set(w.k, key);
      await saveRoomKey(this.room, w.k, key).catch((err: unknown) =>
        console.error(`tether ${this.room}: could not keep a room key`, err),
      );
      fresh = true;
    }
    return fresh;
  }

  /** Seals a body for `kind`/`mid` (null: a signal); null while no key is held. */
  async seal(kind: string, mid: string | null, body: unknown): Promise<Sealed | null> {
    await this.ready;
    const k = this.newest();
    const key = k === null ? undefined : this.#keys.get(k);
    if (k === null || !key) return null;
    return sealBody(key, k, this.#ctx(kind, mid), body);
  }

  /** Opens a body read from the room; a clear kind is taken as it is. */
  async open(kind: string, mid: string | null, body: unknown): Promise<Opened> {
    if (CLEAR_KINDS.has(kind)) return { ok: true, body };
    await this.ready;
    return openBody((k) => this.#keys.get(k) ?? null, this.#ctx(kind, mid), body);
  }

  #ctx(kind: string, mid: string | null): BodyContext {
    return { room: this.room, kind, mid };
  }

  async #load(holder: KeyHolder): Promise<void> {
    try {
      const [keys, recipient] = await Promise.all([
        loadRoomKeys(this.room),
        holder.kind === "device" ? deviceKeys(holder.machineId) : shareKey(this.room),
      ]);
      for (const [k, key] of keys) if (!this.#keys.has(k)) this.#keys.set(k, key);
      this.#recipient = recipient;
      if (!recipient) console.warn(`tether ${this.room}: this device holds no end-to-end key for it`);
    } catch (err) {
      console.error(`tether ${this.room}: could not load its keys`, err);
    }
  }
}
