import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { lean } from "../net/lean.ts";
import { type Unopened, unopenedBody, unopenedReason } from "../state/unopened.ts";
import type { RoomKeys } from "./room-keys.ts";

/**
 * Opens a room's messages before the folds read them (docs/protocol.md §12.3). Opening is async
 * and messages arrive in seq order: every step goes through one chain, so what the page applies
 * keeps the order the socket delivered it in. A message whose key has not come yet keeps its
 * sealed body here and is opened again when a grant brings the key.
 */
/** What the opener needs of a room's keys (RoomKeys; a stand-in in tests). */
export type OpenKeys = Pick<RoomKeys, "room" | "absorb" | "open">;

export class Opener {
  readonly keys: OpenKeys;
  #chain: Promise<void> = Promise.resolve();
  /** Sealed messages waiting for a key, by seq. */
  #waiting = new Map<number, StoredMsg>();
  /** The room was caught up once: a key still missing then will not come by itself. */
  #caughtUp = false;

  constructor(keys: OpenKeys) {
    this.keys = keys;
  }

  /** Runs `step` after every step queued before it; a failing step is logged, the chain goes on. */
  after(step: () => void | Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => {
      console.error(`tether ${this.keys.room}: a step after opening failed`, err);
    });
  }

  /**
   * Opened copies of `msgs`, in their order, and whether a grant among them brought a new key
   * (then `reopen` may open messages that waited). Grants are taken first: a key opens only what
   * its room sealed under it, wherever in the batch the grant is.
   */
  async open(msgs: readonly StoredMsg[]): Promise<{ msgs: StoredMsg[]; fresh: boolean }> {
    let fresh = false;
    for (const m of msgs)
      if (m.kind === "keys.grant" && m.role === "bridge" && (await this.keys.absorb(m.body))) fresh = true;
    const opened = await Promise.all(msgs.map((m) => this.#one(m)));
    return { msgs: opened, fresh };
  }

  /** Messages that waited for a key and open now (or are still unverifiable), as replacements. */
  async reopen(): Promise<StoredMsg[]> {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    return Promise.all(waiting.map((m) => this.#one(m)));
  }

  /**
   * The room is caught up: a key that has not come by now is not on its way, so what waits for it
   * shows as unverifiable (still opened if a grant comes later).
   */
  caughtUp(): StoredMsg[] {
    if (this.#caughtUp) return [];
    this.#caughtUp = true;
    return [...this.#waiting.values()].map((m) => ({ ...m, body: unopenedBody("unknown_key") }));
  }

  async #one(m: StoredMsg): Promise<StoredMsg> {
    // A chunk's data is only the bridge's business: the phone keeps none (lean.ts).
    if (m.kind === "attachment.chunk") return lean(m);
    if (unopenedReason(m.body) !== null) return m;
    const r = await this.keys.open(m.kind, m.mid, m.body);
    if (r.ok) return { ...m, body: r.body };
    if (r.reason === "unknown_key") {
      this.#waiting.set(m.seq, m);
      return { ...m, body: unopenedBody(this.#caughtUp ? "unknown_key" : "waiting") };
    }
    report(this.keys.room, m, r.reason);
    return { ...m, body: unopenedBody(r.reason) };
  }
}

function report(room: string, m: StoredMsg, reason: Unopened): void {
  console.warn(`tether ${room}: message ${m.mid} (seq ${m.seq}, ${m.kind}) could not be verified: ${reason}`);
}
