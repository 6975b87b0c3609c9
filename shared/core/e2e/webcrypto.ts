import { deflateSync, inflateSync } from "fflate";
import { type Sealed, Sealed as SealedSchema } from "../../protocol/e2e.ts";
import { fromBase64url, toBase64url } from "../../webpush/base64url.ts";
import type { EcPrivateJwk } from "../../webpush/ec-keys.ts";
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
} from "./context.ts";

/**
 * End-to-end encryption with WebCrypto (docs/protocol.md §12): AES-256-GCM bodies, room keys
 * wrapped under keys from ECDH P-256 + HKDF-SHA-256 (devices) or HKDF of a link's secret (shares),
 * and the pairing proof (HMAC-SHA-256). Runs unchanged in browsers, service workers, Node and
 * workerd. The bridge has a synchronous twin on node:crypto (bridge/e2e/node-seal.ts); the test
 * vectors in docs/e2e-vectors.json hold both to the same bytes.
 */

export type SubtleKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** Why a body could not be opened. Each is shown as "could not be verified", never as content. */
export type OpenFailure =
  /** The body is not a sealed envelope (a plaintext body in an encrypted room, or garbage). */
  | "not_sealed"
  /** No key of that generation for this room (yet, or ever). */
  | "unknown_key"
  /** The tag does not verify: another room, kind, mid or key, or altered bytes. */
  | "bad_tag"
  /** Verified, but not JSON (or inflates beyond the cap): the sender is broken. */
  | "bad_plaintext";

export type Opened = { ok: true; body: unknown } | { ok: false; reason: OpenFailure };

const subtle = () => crypto.subtle;
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** 32 fresh random bytes: a room key or a share link's secret. */
export function randomSecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** A room key for sealing and opening bodies; not extractable from the runtime. */
export function importRoomKey(raw: Uint8Array<ArrayBuffer>): Promise<SubtleKey> {
  return subtle().importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export type SealOptions = {
  /** Tests and vectors pin it; otherwise 12 random bytes. */
  nonce?: Uint8Array<ArrayBuffer>;
  /** Deflate the plaintext first when it saves bytes (default true). */
  compress?: boolean;
};

/** Seals `body` for `ctx` under the room key of generation `k`. */
export async function sealBody(
  key: SubtleKey,
  k: number,
  ctx: BodyContext,
  body: unknown,
  opts: SealOptions = {},
): Promise<Sealed> {
  const json = new Uint8Array(new TextEncoder().encode(JSON.stringify(body)));
  const packed = opts.compress === false ? null : maybeDeflate(json);
  const nonce = opts.nonce ?? crypto.getRandomValues(new Uint8Array(12));
  const plain = packed ?? json;
  const c = await subtle().encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: bodyAad(ctx, k) },
    key,
    plain,
  );
  return {
    e2e: 1,
    k,
    n: toBase64url(nonce),
    c: toBase64url(new Uint8Array(c)),
    ...(packed ? { z: 1 as const } : {}),
  };
}

/**
 * Opens a body from the wire for `ctx`. `keyOf` gives the room key of a generation, or null when
 * this client has none.
 */
export async function openBody(
  keyOf: (k: number) => SubtleKey | null | Promise<SubtleKey | null>,
  ctx: BodyContext,
  body: unknown,
): Promise<Opened> {
  const parsed = SealedSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: "not_sealed" };
  const sealed = parsed.data;
  const key = await keyOf(sealed.k);
  if (!key) return { ok: false, reason: "unknown_key" };
  const nonce = fromBase64url(sealed.n);
  const c = fromBase64url(sealed.c);
  if (nonce?.length !== 12 || !c || c.length < 16) return { ok: false, reason: "not_sealed" };
  let plain: ArrayBuffer;
  try {
    plain = await subtle().decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: bodyAad(ctx, sealed.k) },
      key,
      c,
    );
  } catch {
    return { ok: false, reason: "bad_tag" };
  }
  return parsePlain(new Uint8Array(plain), sealed.z === 1);
}

function parsePlain(bytes: Uint8Array<ArrayBuffer>, deflated: boolean): Opened {
  try {
    const json = deflated ? inflate(bytes) : bytes;
    if (json === null) return { ok: false, reason: "bad_plaintext" };
    return { ok: true, body: JSON.parse(fromUtf8.decode(json)) };
  } catch {
    return { ok: false, reason: "bad_plaintext" };
  }
}

/**
 * Raw deflate in plain JavaScript (fflate), synchronous: Compression/DecompressionStream cost a
 * stream and several task hops per body, which made opening a sealed message 3–4× slower
 * (bench/e2e-cost.ts); the bytes are the same format as node:zlib's deflateRaw.
 */
function maybeDeflate(json: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  if (json.length < COMPRESS_FROM_BYTES) return null;
  const packed = deflateSync(json);
  return packed.length < json.length ? new Uint8Array(packed) : null;
}

/**
 * Inflates, or null beyond MAX_PLAIN_BYTES. fflate fills a buffer it is given (fast) and silently
 * stops when it is full, so a full buffer is tried again four times larger, up to one byte past
 * the cap: still full then means the body inflates beyond it.
 */
function inflate(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  let size = Math.min(Math.max(bytes.length * 4, 1024), MAX_PLAIN_BYTES + 1);
  for (;;) {
    const out = inflateSync(bytes, { out: new Uint8Array(size) });
    if (out.length < size) return out as Uint8Array<ArrayBuffer>;
    if (size > MAX_PLAIN_BYTES) return null;
    size = Math.min(size * 4, MAX_PLAIN_BYTES + 1);
  }
}

/** A device's ECDH key pair. The private half stays in the runtime (IndexedDB keeps CryptoKeys). */
export async function generateDeviceKeys(): Promise<{ privateKey: SubtleKey; publicKey: string }> {
  const pair = await subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  if (!("privateKey" in pair)) throw new TypeError("ECDH generateKey did not return a key pair");
  const raw = new Uint8Array((await subtle().exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicKey: toBase64url(raw) };
}

/** A private ECDH key from its JWK (the bridge's machine key, test vectors). */
export function importPrivateEcdh(jwk: EcPrivateJwk): Promise<SubtleKey> {
  return subtle().importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
}

/**
 * The key that wraps room keys for device `to`: HKDF-SHA-256 over the ECDH secret of one side's
 * private key and the other's public key (each side computes the same).
 */
export async function deviceWrapKey(mine: SubtleKey, theirs: string, to: string): Promise<SubtleKey> {
  const raw = fromBase64url(theirs);
  if (raw?.length !== 65) throw new TypeError("not an uncompressed P-256 public key");
  const peer = await subtle().importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, false, []);
  // A variable, not a literal: Workers' typings spell the member `$public`.
  const ecdh = { name: "ECDH", public: peer };
  const secret = await subtle().deriveBits(ecdh, mine, 256);
  return hkdfAesKey(new Uint8Array(secret), wrapInfo(to));
}

/** The key that wraps room keys for share link `to`, from the secret in the link's fragment. */
export function shareWrapKey(secret: Uint8Array<ArrayBuffer>, to: string): Promise<SubtleKey> {
  return hkdfAesKey(secret, wrapInfo(to));
}

async function hkdfAesKey(ikm: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>): Promise<SubtleKey> {
  const base = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: NO_SALT, info },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Wraps room key `raw` (generation `k` of `room`) for `to`. */
export async function wrapRoomKey(
  wrapKey: SubtleKey,
  raw: Uint8Array<ArrayBuffer>,
  grant: { room: string; k: number; to: string },
  nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(12)),
): Promise<{ to: string; k: number; n: string; w: string }> {
  const w = await subtle().encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: grantAad(grant.room, grant.k, grant.to) },
    wrapKey,
    raw,
  );
  return { to: grant.to, k: grant.k, n: toBase64url(nonce), w: toBase64url(new Uint8Array(w)) };
}

/** The raw room key of a wrapped grant, or null when it does not verify for this room and recipient. */
export async function unwrapRoomKey(
  wrapKey: SubtleKey,
  room: string,
  wrapped: { to: string; k: number; n: string; w: string },
): Promise<Uint8Array<ArrayBuffer> | null> {
  const nonce = fromBase64url(wrapped.n);
  const w = fromBase64url(wrapped.w);
  if (nonce?.length !== 12 || !w) return null;
  try {
    const raw = await subtle().decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: grantAad(room, wrapped.k, wrapped.to) },
      wrapKey,
      w,
    );
    return raw.byteLength === 32 ? new Uint8Array(raw) : null;
  } catch {
    return null;
  }
}

/** The proof a new device sends with its public key: HMAC-SHA-256 under HKDF(pairing secret). */
export async function pairProof(
  pairingSecret: Uint8Array<ArrayBuffer>,
  fields: { code: string; tokenId: string; key: string },
): Promise<string> {
  const base = await subtle().importKey("raw", pairingSecret, "HKDF", false, ["deriveKey"]);
  const mac = await subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: NO_SALT, info: PAIR_INFO },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  const sig = await subtle().sign("HMAC", mac, pairData(fields.code, fields.tokenId, fields.key));
  return toBase64url(new Uint8Array(sig));
}
