import { z } from "zod";
import { fromBase64url, toBase64url } from "./base64url.ts";

/**
 * A P-256 key pair kept as plain JSON, so the relay can store its VAPID keys in SQLite and tests
 * can pin a sender key (RFC 8291 Appendix A). CryptoKey objects are made from it at each use:
 * importing is cheap next to the network call, and it keeps CryptoKey (a type Node's typings do
 * not make global) out of the API.
 */

/** One 32-byte coordinate or scalar, base64url without padding. */
const Coordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** Only the fields every runtime needs: key_ops/alg from an export would bind it to one use. */
export const EcPrivateJwk = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: Coordinate,
  y: Coordinate,
  d: Coordinate,
});
export type EcPrivateJwk = z.infer<typeof EcPrivateJwk>;

export const EcKeys = z
  .object({
    /** The uncompressed point (0x04 ‖ x ‖ y, 65 bytes) in base64url: what a browser's applicationServerKey takes. */
    publicKey: z.string(),
    privateJwk: EcPrivateJwk,
  })
  .refine((k) => k.publicKey === toBase64url(rawPublicKey(k.privateJwk)), {
    message: "publicKey is not the public half of privateJwk",
  });
export type EcKeys = z.infer<typeof EcKeys>;

export type SubtleKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export type EcUse = "ECDH" | "ECDSA";

/** A fresh extractable key pair (ECDSA to generate; the JWK imports for either use). */
export async function generateEcKeys(): Promise<EcKeys> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  // Workers' typings do not narrow generateKey by algorithm; an EC key always comes as a pair.
  if (!("privateKey" in pair)) throw new TypeError("ECDSA generateKey did not return a key pair");
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const privateJwk = EcPrivateJwk.parse(jwk);
  return { publicKey: toBase64url(rawPublicKey(privateJwk)), privateJwk };
}

/** The pair from a raw private scalar and its uncompressed public point (test vectors give them so). */
export function ecKeysFromRaw(publicKey: Uint8Array, d: Uint8Array): EcKeys {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04 || d.length !== 32)
    throw new RangeError("expected a 65-byte uncompressed P-256 point and a 32-byte scalar");
  const privateJwk: EcPrivateJwk = {
    kty: "EC",
    crv: "P-256",
    x: toBase64url(publicKey.subarray(1, 33)),
    y: toBase64url(publicKey.subarray(33)),
    d: toBase64url(d),
  };
  return { publicKey: toBase64url(publicKey), privateJwk };
}

export function rawPublicKey(jwk: EcPrivateJwk): Uint8Array<ArrayBuffer> {
  const x = fromBase64url(jwk.x);
  const y = fromBase64url(jwk.y);
  if (x === null || y === null) throw new RangeError("JWK coordinates are not base64url");
  const raw = new Uint8Array(65);
  raw[0] = 0x04;
  raw.set(x, 1);
  raw.set(y, 33);
  return raw;
}

export function importPrivateKey(jwk: EcPrivateJwk, use: EcUse): Promise<SubtleKey> {
  const usages: ("deriveBits" | "sign")[] = use === "ECDH" ? ["deriveBits"] : ["sign"];
  return crypto.subtle.importKey("jwk", jwk, { name: use, namedCurve: "P-256" }, false, usages);
}

/** Rejects (DataError) when the bytes are not a point on P-256. */
export function importPublicKey(raw: Uint8Array<ArrayBuffer>, use: EcUse): Promise<SubtleKey> {
  const usages: "verify"[] = use === "ECDSA" ? ["verify"] : [];
  return crypto.subtle.importKey("raw", raw, { name: use, namedCurve: "P-256" }, true, usages);
}
