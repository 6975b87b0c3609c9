import type { StoredMsg } from "../../shared/protocol/index.ts";
import { SessionRoomId } from "../../shared/protocol/index.ts";
import { type Bearer, relayApi } from "../control/relay-api.ts";
import type { Logger } from "../log.ts";
import type { KeysOutcome, RoomKeys } from "./room-keys.ts";

/** How often the bridge compares its recipients with the relay's live tokens (§12.7). */
export const RECONCILE_EVERY_MS = 10 * 60 * 1000;

export type KeyServiceDeps = {
  keys: RoomKeys;
  relay: Bearer;
  log: Logger;
  /** Whether a room is a session room of this machine (not deleted). */
  isSessionRoom(room: string): boolean;
  /** Tells the sender of a machine-room request that it changed nothing. */
  refuse(requestMid: string, why: string): void;
};

/**
 * The machine room's `keys.*` requests and the reconciling of recipients with the relay's tokens:
 * at start, on `keys.reconcile`, on `tether revoke` (control API) and every 10 minutes.
 */
export class KeyService {
  #d: KeyServiceDeps;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<string[]> | null = null;
  #again = false;

  constructor(d: KeyServiceDeps) {
    this.#d = d;
  }

  start(): void {
    void this.reconcile();
    this.#timer = setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** A controller's `keys.*` message in the machine room, its body already opened. */
  onMessage(msg: StoredMsg): void {
    let outcome: KeysOutcome = { ok: true };
    if (msg.kind === "keys.enroll") outcome = this.#d.keys.enroll(msg.body);
    else if (msg.kind === "keys.share")
      outcome = this.#d.keys.share(
        msg.body,
        (room) => SessionRoomId.safeParse(room).success && this.#d.isSessionRoom(room),
      );
    else if (msg.kind === "keys.reconcile") void this.reconcile();
    if (!outcome.ok) {
      this.#d.log.warn(`${msg.kind} refused`, { mid: msg.mid, why: outcome.why });
      this.#d.refuse(msg.mid, outcome.why);
    }
  }

  /** Compares now (one run at a time; a request during a run runs once more after it). */
  async reconcile(): Promise<string[]> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#once().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        void this.reconcile();
      }
    });
    return this.#running;
  }

  async #once(): Promise<string[]> {
    const listedAt = Date.now();
    const tokens = await relayApi.listTokens(this.#d.relay);
    if (!tokens.ok) {
      this.#d.log.warn("could not list the relay's tokens to check key recipients", { code: tokens.code });
      return [];
    }
    const now = Date.now();
    const live = new Set(
      tokens.value.tokens
        .filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now))
        .map((t) => t.id),
    );
    return this.#d.keys.reconcile(live, listedAt);
  }
}
