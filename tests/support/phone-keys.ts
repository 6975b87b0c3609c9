import {
  deviceWrapKeySync,
  generateMachineKeys,
  type MachineKeys,
  openBodySync,
  pairProofSync,
  sealBodySync,
  shareWrapKeySync,
  unwrapRoomKeySync,
} from "../../bridge/e2e/node-seal.ts";
import type { BodyContext } from "../../shared/core/e2e/context.ts";
import type { Opened } from "../../shared/core/e2e/webcrypto.ts";
import { CLEAR_KINDS, type KeysEnroll, KeysGrant, Sealed } from "../../shared/protocol/e2e.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";

/**
 * The test phone's end-to-end keys (docs/protocol.md §12), on the bridge's synchronous node:crypto
 * twin so that `Phone.msgs` stays synchronous: a paired device (its own P-256 pair, ECDH with the
 * machine key from the link) or a share link (its secret). It takes grants addressed to it, opens
 * what it reads and seals what it sends.
 */
export class PhoneKeys {
  /** `d:<tokenId>` or `s:<shareId>`. */
  readonly id: string;
  readonly #wrapKey: Buffer;
  readonly #rooms = new Map<string, Map<number, Buffer>>();
  /** Every key this phone ever held, kept after a revocation (what an attacker would keep). */
  readonly held: { room: string; k: number; key: Buffer }[] = [];

  constructor(id: string, wrapKey: Buffer) {
    this.id = id;
    this.#wrapKey = wrapKey;
  }

  /** A paired device: the link's `m` and this device's own key pair. */
  static device(
    tokenId: string,
    machinePublic: string,
    own: MachineKeys = generateMachineKeys(),
  ): DeviceKeys {
    const id = `d:${tokenId}`;
    return new DeviceKeys(id, deviceWrapKeySync(own, machinePublic, id), own, tokenId);
  }

  /** A share link: its `k` and `i`. */
  static share(shareId: string, secret: string): PhoneKeys {
    const id = `s:${shareId}`;
    return new PhoneKeys(id, shareWrapKeySync(Buffer.from(secret, "base64url"), id));
  }

  /** Takes the grants of a `keys.grant` body addressed to this phone; false when it is malformed. */
  takeGrant(room: string, body: unknown): boolean {
    const g = KeysGrant.safeParse(body);
    if (!g.success || g.data.room !== room) return false;
    for (const w of g.data.keys) {
      if (w.to !== this.id || this.key(room, w.k)) continue;
      const key = unwrapRoomKeySync(this.#wrapKey, room, w);
      if (!key) continue;
      const gens = this.#rooms.get(room) ?? new Map<number, Buffer>();
      this.#rooms.set(room, gens.set(w.k, key));
      this.held.push({ room, k: w.k, key });
    }
    return true;
  }

  key(room: string, k: number): Buffer | null {
    return this.#rooms.get(room)?.get(k) ?? null;
  }

  newest(room: string): { k: number; key: Buffer } | null {
    const gens = this.#rooms.get(room);
    if (!gens || gens.size === 0) return null;
    const k = Math.max(...gens.keys());
    const key = gens.get(k);
    return key ? { k, key } : null;
  }

  /** Seals a body for the room with its newest key; null while this phone holds none. */
  seal(ctx: BodyContext, body: unknown): unknown | null {
    if (CLEAR_KINDS.has(ctx.kind)) return body;
    const newest = this.newest(ctx.room);
    return newest ? sealBodySync(newest.key, newest.k, ctx, body) : null;
  }

  open(ctx: BodyContext, body: unknown): Opened {
    if (CLEAR_KINDS.has(ctx.kind)) return { ok: true, body };
    return openBodySync((k) => this.key(ctx.room, k), ctx, body);
  }

  /** Opens a push's `show` (§12.8), as a service worker would. */
  openShow(room: string, mid: string | null, show: unknown): Opened {
    return this.open({ room, kind: mid === null ? "push.will" : "push.show", mid }, show);
  }
}

export class DeviceKeys extends PhoneKeys {
  readonly own: MachineKeys;
  readonly tokenId: string;
  constructor(id: string, wrapKey: Buffer, own: MachineKeys, tokenId: string) {
    super(id, wrapKey);
    this.own = own;
    this.tokenId = tokenId;
  }

  /** The `keys.enroll` body for a pairing link's code and secret (§12.4). */
  enroll(code: string, pairingSecret: string): KeysEnroll {
    const fields = { code, tokenId: this.tokenId, key: this.own.publicKey };
    return { ...fields, proof: pairProofSync(Buffer.from(pairingSecret, "base64url"), fields) };
  }
}

/** The parts of a pairing link's fragment (§12.4): `#c=<code>&m=<machine key>&p=<secret>`. */
export function pairingFragment(url: string): { origin: string; code: string; m: string; p: string } {
  const u = new URL(url);
  const f = new URLSearchParams(u.hash.slice(1));
  const code = f.get("c");
  const m = f.get("m");
  const p = f.get("p");
  if (!code || !m || !p) throw new Error(`not an end-to-end pairing link: ${url.slice(0, 80)}`);
  return { origin: u.origin, code, m, p };
}

/** Whether a value is a sealed body (what the relay and the push service may see). */
export function isSealed(body: unknown): boolean {
  return Sealed.safeParse(body).success;
}

/** A room's log as a phone reads it: grants taken in order, every other body opened. */
export function openLog(keys: PhoneKeys, room: string, log: readonly StoredMsg[]): StoredMsg[] {
  for (const m of log) if (m.kind === "keys.grant") keys.takeGrant(room, m.body);
  return log.map((m) => openMsg(keys, room, m));
}

/** One message opened; one that does not open reads `{unverifiable: <reason>}`. */
export function openMsg(keys: PhoneKeys, room: string, m: StoredMsg): StoredMsg {
  if (m.kind === "keys.grant") keys.takeGrant(room, m.body);
  const o = keys.open({ room, kind: m.kind, mid: m.mid }, m.body);
  return { ...m, body: o.ok ? o.body : { unverifiable: o.reason } };
}
