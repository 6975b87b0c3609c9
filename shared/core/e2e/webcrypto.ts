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
  PAIR_INFO,
  pairData,
  wrapInfo,
} from "./context.ts";
import { loadPrimitives } from "./load-primitives.ts";
import type { E2eKey } from "./primitives.ts";

/**
 * End-to-end encryption with WebCrypto (docs/protocol.md §12): AES-256-GCM bodies, room keys
 * wrapped under keys from ECDH P-256 + HKDF-SHA-256 (devices) or HKDF of a link's secret (shares),
 * and the pairing proof (HMAC-SHA-256). Runs unchanged in browsers, service workers, Node and
 * workerd, on WebCrypto, or on a pure-JavaScript twin where a page has no WebCrypto (plain HTTP on
 * a LAN address; load-primitives.ts). The bridge has a synchronous twin on node:crypto
 * (bridge/e2e/node-seal.ts); the test vectors in docs/e2e-vectors.json hold all three to the same
 * bytes.
 */

export type { E2eKey } from "./primitives.ts";

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

const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** 32 fresh random bytes: a room key or a share link's secret. */
export function randomSecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** A room key for sealing and opening bodies (with WebCrypto, not extractable from the runtime). */
export async function importRoomKey(raw: Uint8Array<ArrayBuffer>): Promise<E2eKey> {
  return (await loadPrimitives()).aesKey(raw);
}

export type SealOptions = {
  /** Tests and vectors pin it; otherwise 12 random bytes. */
  nonce?: Uint8Array<ArrayBuffer>;
  /** Deflate the plaintext first when it saves bytes (default true). */
  compress?: boolean;
};

/** Seals `body` for `ctx` under the room key of generation `k`. */
export async function sealBody(
  key: E2eKey,
  k: number,
  ctx: BodyContext,
  body: unknown,
  opts: SealOptions = {},
): Promise<Sealed> {
  const json = new Uint8Array(new TextEncoder().encode(JSON.stringify(body)));
  const packed = opts.compress === false ? null : maybeDeflate(json);
  const nonce = opts.nonce ?? crypto.getRandomValues(new Uint8Array(12));
  const plain = packed ?? json;
  const c = await (await loadPrimitives()).encrypt(key, nonce, bodyAad(ctx, k), plain);
  return {
    e2e: 1,
    k,
    n: toBase64url(nonce),
    c: toBase64url(c),
    ...(packed ? { z: 1 as const } : {}),
  };
}

/**
 * Opens a body from the wire for `ctx`. `keyOf` gives the room key of a generation, or null when
 * this client has none.
 */
export async function openBody(
  keyOf: (k: number) => E2eKey | null | Promise<E2eKey | null>,
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
  const p = await loadPrimitives();
  let plain: Uint8Array<ArrayBuffer>;
  try {
    plain = await p.decrypt(key, nonce, bodyAad(ctx, sealed.k), c);
  } catch {
    return { ok: false, reason: "bad_tag" };
  }
  return parsePlain(plain, sealed.z === 1);
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

/**
 * A device's ECDH key pair. With WebCrypto the private half stays in the runtime (IndexedDB keeps
 * CryptoKeys); the pure-JavaScript twin's is a plain value (primitives.ts).
 */
export async function generateDeviceKeys(): Promise<{ privateKey: E2eKey; publicKey: string }> {
  const pair = await (await loadPrimitives()).generateEcdh();
  return { privateKey: pair.privateKey, publicKey: toBase64url(pair.publicKey) };
}

/** A private ECDH key from its JWK (the bridge's machine key, test vectors). */
export async function importPrivateEcdh(jwk: EcPrivateJwk): Promise<E2eKey> {
  return (await loadPrimitives()).importEcdh(jwk);
}

/**
 * The key that wraps room keys for device `to`: HKDF-SHA-256 over the ECDH secret of one side's
 * private key and the other's public key (each side computes the same).
 */
export async function deviceWrapKey(mine: E2eKey, theirs: string, to: string): Promise<E2eKey> {
  const raw = fromBase64url(theirs);
  if (raw?.length !== 65) throw new TypeError("not an uncompressed P-256 public key");
  const p = await loadPrimitives();
  return p.hkdfAesKey(await p.ecdh(mine, raw), wrapInfo(to));
}

/** The key that wraps room keys for share link `to`, from the secret in the link's fragment. */
export async function shareWrapKey(secret: Uint8Array<ArrayBuffer>, to: string): Promise<E2eKey> {
  return (await loadPrimitives()).hkdfAesKey(secret, wrapInfo(to));
}

/** Wraps room key `raw` (generation `k` of `room`) for `to`. */
export async function wrapRoomKey(
  wrapKey: E2eKey,
  raw: Uint8Array<ArrayBuffer>,
  grant: { room: string; k: number; to: string },
  nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(12)),
): Promise<{ to: string; k: number; n: string; w: string }> {
  const aad = grantAad(grant.room, grant.k, grant.to);
  const w = await (await loadPrimitives()).encrypt(wrapKey, nonce, aad, raw);
  return { to: grant.to, k: grant.k, n: toBase64url(nonce), w: toBase64url(w) };
}

/** The raw room key of a wrapped grant, or null when it does not verify for this room and recipient. */
export async function unwrapRoomKey(
  wrapKey: E2eKey,
  room: string,
  wrapped: { to: string; k: number; n: string; w: string },
): Promise<Uint8Array<ArrayBuffer> | null> {
  const nonce = fromBase64url(wrapped.n);
  const w = fromBase64url(wrapped.w);
  if (nonce?.length !== 12 || !w) return null;
  const p = await loadPrimitives();
  try {
    const raw = await p.decrypt(wrapKey, nonce, grantAad(room, wrapped.k, wrapped.to), w);
    return raw.byteLength === 32 ? raw : null;
  } catch {
    return null;
  }
}

/** The proof a new device sends with its public key: HMAC-SHA-256 under HKDF(pairing secret). */
export async function pairProof(
  pairingSecret: Uint8Array<ArrayBuffer>,
  fields: { code: string; tokenId: string; key: string },
): Promise<string> {
  const data = pairData(fields.code, fields.tokenId, fields.key);
  return toBase64url(await (await loadPrimitives()).hkdfHmac(pairingSecret, PAIR_INFO, data));
}
