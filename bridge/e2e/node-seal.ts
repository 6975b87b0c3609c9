import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  type BodyContext,
  bodyAad,
  COMPRESS_FROM_BYTES,
  grantAad,
  MAX_PLAIN_BYTES,
  NO_SALT,
  PAIR_INFO,
  pairData,
  wrapInfo,
} from "../../shared/core/e2e/context.ts";
import type { Opened } from "../../shared/core/e2e/webcrypto.ts";
import { type Sealed, Sealed as SealedSchema, type WrappedKey } from "../../shared/protocol/e2e.ts";
import { EcPrivateJwk } from "../../shared/webpush/ec-keys.ts";

/**
 * The bridge's end-to-end encryption on node:crypto, synchronous because the bridge's `send`
 * answers only once a message is durable in its outbox (sealed, so the outbox never holds
 * plaintext it would resend differently). The same primitives and bytes as
 * shared/core/e2e/webcrypto.ts (AES-256-GCM, ECDH P-256, HKDF-SHA-256, HMAC-SHA-256); the test
 * vectors in docs/e2e-vectors.json hold both to them.
 */

const TAG = 16;

export type SealSyncOptions = { nonce?: Buffer; compress?: boolean };

/** Seals `body` for `ctx` under the raw 32-byte room key of generation `k`. */
export function sealBodySync(
  key: Buffer,
  k: number,
  ctx: BodyContext,
  body: unknown,
  opts: SealSyncOptions = {},
): Sealed {
  const json = Buffer.from(JSON.stringify(body), "utf8");
  const packed = opts.compress === false ? null : maybeDeflate(json);
  const nonce = opts.nonce ?? randomBytes(12);
  const c = gcmSeal(key, nonce, bodyAad(ctx, k), packed ?? json);
  return {
    e2e: 1,
    k,
    n: nonce.toString("base64url"),
    c: c.toString("base64url"),
    ...(packed ? { z: 1 as const } : {}),
  };
}

/** Opens a body from the wire for `ctx`; `keyOf` gives the raw room key of a generation, or null. */
export function openBodySync(keyOf: (k: number) => Buffer | null, ctx: BodyContext, body: unknown): Opened {
  const parsed = SealedSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: "not_sealed" };
  const sealed = parsed.data;
  const key = keyOf(sealed.k);
  if (!key) return { ok: false, reason: "unknown_key" };
  const nonce = Buffer.from(sealed.n, "base64url");
  const c = Buffer.from(sealed.c, "base64url");
  if (nonce.length !== 12 || c.length < TAG) return { ok: false, reason: "not_sealed" };
  const plain = gcmOpen(key, nonce, bodyAad(ctx, sealed.k), c);
  if (!plain) return { ok: false, reason: "bad_tag" };
  try {
    const json = sealed.z === 1 ? inflateRawSync(plain, { maxOutputLength: MAX_PLAIN_BYTES }) : plain;
    return { ok: true, body: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json)) };
  } catch {
    return { ok: false, reason: "bad_plaintext" };
  }
}

function maybeDeflate(json: Buffer): Buffer | null {
  if (json.length < COMPRESS_FROM_BYTES) return null;
  const packed = deflateRawSync(json);
  return packed.length < json.length ? packed : null;
}

function gcmSeal(key: Buffer, nonce: Buffer, aad: Uint8Array, plain: Uint8Array): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, nonce: Buffer, aad: Uint8Array, sealed: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  } catch {
    return null;
  }
}

/** The machine's ECDH key pair: the root of trust, kept as a JWK in the state dir (0600). */
export type MachineKeys = { privateJwk: EcPrivateJwk; publicKey: string };

export function generateMachineKeys(): MachineKeys {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return machineKeysOf(EcPrivateJwk.parse(privateKey.export({ format: "jwk" })));
}

/** The pair of a stored private JWK (throws if it is not a P-256 private key). */
export function machineKeysOf(privateJwk: EcPrivateJwk): MachineKeys {
  const priv = createPrivateKey({ key: privateJwk, format: "jwk" });
  if (priv.asymmetricKeyType !== "ec" || priv.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new TypeError("the machine key is not a P-256 key");
  const raw = createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(-65);
  return { privateJwk, publicKey: raw.toString("base64url") };
}

/** A 32-byte raw key from HKDF-SHA-256 with no salt. */
function hkdf32(ikm: Uint8Array, info: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, NO_SALT, info, 32));
}

/** The wrapping key for device `to`: ECDH(machine private, device public) → HKDF. */
export function deviceWrapKeySync(machine: MachineKeys, devicePublic: string, to: string): Buffer {
  const raw = Buffer.from(devicePublic, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) throw new TypeError("not an uncompressed P-256 public key");
  const peer = publicKeyOfRaw(raw);
  const priv = createPrivateKey({ key: machine.privateJwk, format: "jwk" });
  return hkdf32(diffieHellman({ privateKey: priv, publicKey: peer }), wrapInfo(to));
}

/** The wrapping key for share link `to`, from the secret in its fragment. */
export function shareWrapKeySync(secret: Buffer, to: string): Buffer {
  return hkdf32(secret, wrapInfo(to));
}

function publicKeyOfRaw(raw: Buffer): KeyObject {
  const x = raw.subarray(1, 33).toString("base64url");
  const y = raw.subarray(33, 65).toString("base64url");
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x, y }, format: "jwk" });
}

/** Wraps room key `raw` of generation `k` of `room` for `to`. */
export function wrapRoomKeySync(
  wrapKey: Buffer,
  raw: Buffer,
  grant: { room: string; k: number; to: string },
  nonce: Buffer = randomBytes(12),
): WrappedKey {
  const w = gcmSeal(wrapKey, nonce, grantAad(grant.room, grant.k, grant.to), raw);
  return { to: grant.to, k: grant.k, n: nonce.toString("base64url"), w: w.toString("base64url") };
}

/** The raw key of a grant, or null when it does not verify for this room and recipient. */
export function unwrapRoomKeySync(wrapKey: Buffer, room: string, wrapped: WrappedKey): Buffer | null {
  const nonce = Buffer.from(wrapped.n, "base64url");
  const w = Buffer.from(wrapped.w, "base64url");
  if (nonce.length !== 12 || w.length !== 32 + TAG) return null;
  return gcmOpen(wrapKey, nonce, grantAad(room, wrapped.k, wrapped.to), w);
}

/** The pairing proof a device must send with its key (see webcrypto.ts `pairProof`). */
export function pairProofSync(
  pairingSecret: Buffer,
  fields: { code: string; tokenId: string; key: string },
): string {
  const macKey = hkdf32(pairingSecret, PAIR_INFO);
  return createHmac("sha256", macKey)
    .update(pairData(fields.code, fields.tokenId, fields.key))
    .digest("base64url");
}

/** Whether `proof` is the pairing proof of these fields, compared in constant time. */
export function pairProofValid(
  pairingSecret: Buffer,
  fields: { code: string; tokenId: string; key: string },
  proof: string,
): boolean {
  const want = Buffer.from(pairProofSync(pairingSecret, fields), "base64url");
  const got = Buffer.from(proof, "base64url");
  return got.length === want.length && timingSafeEqual(got, want);
}
