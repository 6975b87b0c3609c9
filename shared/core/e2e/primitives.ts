import type { EcPrivateJwk } from "../../webpush/ec-keys.ts";

/**
 * The few operations end-to-end encryption is made of (docs/protocol.md §12), behind one seam:
 * WebCrypto wherever the runtime has it, and a pure-JavaScript twin (soft-primitives.ts, loaded
 * only when needed) where it does not. Browsers expose `crypto.subtle` only in secure contexts, and
 * `tether up --lan` serves the app over plain HTTP on the machine's LAN address; the phone must
 * still pair and seal there. Both are held to the same bytes by docs/e2e-vectors.json.
 */

export type Bytes = Uint8Array<ArrayBuffer>;

/** A WebCrypto key: made non-extractable, IndexedDB clones it without exposing its bytes. */
export type WebKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * A key of the pure-JavaScript twin: its bytes in a plain object, which IndexedDB clones as it
 * clones a CryptoKey. Nothing can hide bytes from the page's own script without WebCrypto.
 */
export type SoftKey = { soft: "aes-gcm"; raw: Bytes } | { soft: "ecdh-p256"; d: Bytes };

export type E2eKey = WebKey | SoftKey;

export type Primitives = {
  /** An AES-256-GCM key from its 32 bytes (the caller may wipe them afterwards). */
  aesKey(raw: Bytes): Promise<E2eKey>;
  /** Ciphertext with its 16-byte tag appended. */
  encrypt(key: E2eKey, iv: Bytes, aad: Bytes, plain: Bytes): Promise<Bytes>;
  /** The plaintext; throws when the tag does not verify. */
  decrypt(key: E2eKey, iv: Bytes, aad: Bytes, sealed: Bytes): Promise<Bytes>;
  /** A fresh P-256 key pair; the public half as the 65-byte uncompressed point. */
  generateEcdh(): Promise<{ privateKey: E2eKey; publicKey: Bytes }>;
  importEcdh(jwk: EcPrivateJwk): Promise<E2eKey>;
  /** The 32-byte ECDH secret (the shared point's x) of `mine` and the uncompressed point `theirs`. */
  ecdh(mine: E2eKey, theirs: Bytes): Promise<Bytes>;
  /** HKDF-SHA-256 (no salt) of `ikm` for `info`, as an AES-256-GCM key. */
  hkdfAesKey(ikm: Bytes, info: Bytes): Promise<E2eKey>;
  /** HMAC-SHA-256 of `data` under the HKDF-SHA-256 (no salt) of `ikm` for `info`. */
  hkdfHmac(ikm: Bytes, info: Bytes, data: Bytes): Promise<Bytes>;
  sha256(data: Bytes): Promise<Bytes>;
};

export function isSoftKey(v: unknown): v is SoftKey {
  if (typeof v !== "object" || v === null || !("soft" in v)) return false;
  const k = v as Partial<{ soft: string; raw: unknown; d: unknown }>;
  const bytes = k.soft === "aes-gcm" ? k.raw : k.soft === "ecdh-p256" ? k.d : null;
  return bytes instanceof Uint8Array && bytes.length === 32;
}
