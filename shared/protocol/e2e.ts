import { z } from "zod";
import { RoomId, SessionRoomId } from "./ids.ts";

/**
 * End-to-end encryption (docs/protocol.md §12): what the relay sees of a sealed body, and the two
 * kinds that carry key material in the clear because they are how keys travel (`keys.enroll`,
 * `keys.grant`). The crypto itself is in shared/core/e2e/.
 */

const b64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/);

/** A room key's generation: the keyring's first one for a room's first key (§12.2), one more at each rotation. */
export const KeyGen = z.number().int().min(1).max(1_000_000);

/**
 * A sealed body: AES-256-GCM under the room key of generation `k`, over the UTF-8 JSON of the
 * body (deflate-raw first when `z` is 1), with the envelope as associated data (§12.3).
 */
export const Sealed = z.object({
  e2e: z.literal(1),
  k: KeyGen,
  /** The 12-byte nonce. */
  n: b64url(16, 16),
  /** Ciphertext ‖ 16-byte tag. */
  c: b64url(22, 2_000_000),
  z: z.literal(1).optional(),
});
export type Sealed = z.infer<typeof Sealed>;

/** Who a room key is granted to: a paired device (its token id) or a share link (its token id). */
export const Recipient = z.string().regex(/^(?:d|s):tk_[A-Za-z0-9_-]{12}$/);
export type Recipient = z.infer<typeof Recipient>;

/** An uncompressed P-256 point (65 bytes), base64url. */
export const PublicKey = b64url(87, 87);

/**
 * A phone that just paired gives the bridge its own public key (controller → machine room). The
 * proof is an HMAC under a key derived from the pairing secret, which only the pairing link's
 * fragment carried: the relay can neither forge it nor swap the key.
 */
export const KeysEnroll = z.object({
  /** The pairing code of the link (it names which pairing secret the proof is made with). */
  code: z.string().min(1).max(200),
  /** The token id the pairing gave this device. */
  tokenId: z.string().regex(/^tk_[A-Za-z0-9_-]{12}$/),
  key: PublicKey,
  proof: b64url(43, 43),
});
export type KeysEnroll = z.infer<typeof KeysEnroll>;

/** One room key generation wrapped for one recipient. */
export const WrappedKey = z.object({
  to: Recipient,
  k: KeyGen,
  n: b64url(16, 16),
  /** The 32-byte key ‖ 16-byte tag. */
  w: b64url(64, 64),
});
export type WrappedKey = z.infer<typeof WrappedKey>;

/** The bridge grants a room's keys to its recipients, in that room (bridge → any room). */
export const KeysGrant = z.object({
  room: RoomId,
  keys: z.array(WrappedKey).min(1).max(2_000),
});
export type KeysGrant = z.infer<typeof KeysGrant>;

/**
 * A phone made a share link and hands the bridge the link's secret (sealed, controller → machine
 * room), so the bridge grants that room's keys, now and after each rotation, to the link.
 */
export const KeysShare = z.object({
  shareId: z.string().regex(/^tk_[A-Za-z0-9_-]{12}$/),
  /** Share links are for session rooms only (§2.2). */
  room: SessionRoomId,
  secret: b64url(43, 43),
});
export type KeysShare = z.infer<typeof KeysShare>;

/** "I revoked something": the bridge checks its recipients against the relay's live tokens now. */
export const KeysReconcile = z.object({});
export type KeysReconcile = z.infer<typeof KeysReconcile>;

/** Kinds whose bodies travel in the clear: they carry only public keys, proofs and wrapped keys. */
export const CLEAR_KINDS: ReadonlySet<string> = new Set(["keys.enroll", "keys.grant"]);
