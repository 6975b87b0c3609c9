import type { BodyContext } from "../../shared/core/e2e/context.ts";
import type { Opened } from "../../shared/core/e2e/webcrypto.ts";
import { CLEAR_KINDS, KeysGrant } from "../../shared/protocol/e2e.ts";
import {
  deviceWrapKeySync,
  type MachineKeys,
  openBodySync,
  pairProofSync,
  sealBodySync,
  unwrapRoomKeySync,
} from "../e2e/node-seal.ts";

/**
 * A terminal client's end-to-end keys (docs/protocol.md §12): its own P-256 pair, the wrapping key
 * it shares with the machine (ECDH with the pairing link's `m`), and the room keys the bridge
 * granted it, in memory only: they are read again from the room's `keys.grant` messages.
 */
export class DeviceKeys {
  /** The recipient id grants name: `d:<tokenId>`. */
  readonly to: string;
  readonly own: MachineKeys;
  readonly #wrapKey: Buffer;
  readonly #rooms = new Map<string, Map<number, Buffer>>();

  constructor(tokenId: string, machineKey: string, own: MachineKeys) {
    this.to = `d:${tokenId}`;
    this.own = own;
    this.#wrapKey = deviceWrapKeySync(own, machineKey, this.to);
  }

  /** The `keys.enroll` body for a pairing link's code and secret (§12.4). */
  enroll(code: string, tokenId: string, secret: Buffer) {
    const fields = { code, tokenId, key: this.own.publicKey };
    return { ...fields, proof: pairProofSync(secret, fields) };
  }

  /** Takes what a `keys.grant` body wraps for this device; true when a key was new. */
  takeGrant(room: string, body: unknown): boolean {
    const g = KeysGrant.safeParse(body);
    if (!g.success || g.data.room !== room) return false;
    let fresh = false;
    for (const w of g.data.keys) {
      if (w.to !== this.to || this.#rooms.get(room)?.has(w.k)) continue;
      const key = unwrapRoomKeySync(this.#wrapKey, room, w);
      if (!key) continue;
      const gens = this.#rooms.get(room) ?? new Map<number, Buffer>();
      this.#rooms.set(room, gens.set(w.k, key));
      fresh = true;
    }
    return fresh;
  }

  /** Whether this device holds a key of the room (it can seal what it sends there). */
  canSeal(room: string): boolean {
    return (this.#rooms.get(room)?.size ?? 0) > 0;
  }

  /** Seals a body with the room's newest key; null while none is held. */
  seal(ctx: BodyContext, body: unknown): unknown | null {
    if (CLEAR_KINDS.has(ctx.kind)) return body;
    const gens = this.#rooms.get(ctx.room);
    if (!gens || gens.size === 0) return null;
    const k = Math.max(...gens.keys());
    const key = gens.get(k);
    return key ? sealBodySync(key, k, ctx, body) : null;
  }

  open(ctx: BodyContext, body: unknown): Opened {
    if (CLEAR_KINDS.has(ctx.kind)) return { ok: true, body };
    return openBodySync((k) => this.#rooms.get(ctx.room)?.get(k) ?? null, ctx, body);
  }
}
