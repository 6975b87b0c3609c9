import { gcm } from "@noble/ciphers/aes.js";
import { p256 } from "@noble/curves/nist.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64url, toBase64url } from "../../webpush/base64url.ts";
import { NO_SALT } from "./context.ts";
import type { Bytes, E2eKey, Primitives, SoftKey } from "./primitives.ts";

/**
 * The primitives of primitives.ts in pure JavaScript, from the audited @noble libraries, for a
 * page without WebCrypto (plain HTTP on a LAN address). Same algorithms, same bytes (the vectors
 * test runs through both); keys are plain bytes (primitives.ts says why). Loaded on demand: a
 * secure page never fetches it.
 */
export const softPrimitives: Primitives = {
  aesKey: async (raw) => aes(raw.slice()),
  encrypt: async (key, iv, aad, plain) => own(gcm(aesBytes(key), iv, aad).encrypt(plain)),
  decrypt: async (key, iv, aad, sealed) => own(gcm(aesBytes(key), iv, aad).decrypt(sealed)),
  async generateEcdh() {
    const d = own(p256.utils.randomSecretKey());
    return { privateKey: { soft: "ecdh-p256", d }, publicKey: own(p256.getPublicKey(d, false)) };
  },
  async importEcdh(jwk) {
    const d = fromBase64url(jwk.d);
    if (d?.length !== 32 || !p256.utils.isValidSecretKey(d)) throw new TypeError("not a P-256 private key");
    const point = p256.getPublicKey(d, false);
    // WebCrypto refuses a JWK whose public half does not match its private half; so does this.
    if (toBase64url(point.subarray(1, 33)) !== jwk.x || toBase64url(point.subarray(33)) !== jwk.y)
      throw new TypeError("the JWK's x and y are not the public half of its d");
    return { soft: "ecdh-p256", d };
  },
  async ecdh(mine, theirs) {
    if (theirs.length !== 65 || theirs[0] !== 4) throw new TypeError("not an uncompressed P-256 point");
    // The compressed shared point is 0x02/0x03 ‖ x; x is what WebCrypto's deriveBits gives. The
    // peer's point is checked to be on the curve first.
    return own(p256.getSharedSecret(ecdhBytes(mine), theirs, true).subarray(1));
  },
  hkdfAesKey: async (ikm, info) => aes(own(hkdf(sha256, ikm, NO_SALT, info, 32))),
  hkdfHmac: async (ikm, info, data) => own(hmac(sha256, hkdf(sha256, ikm, NO_SALT, info, 32), data)),
  sha256: async (data) => own(sha256(data)),
};

function aes(raw: Bytes): SoftKey {
  if (raw.length !== 32) throw new TypeError("an AES-256-GCM key is 32 bytes");
  return { soft: "aes-gcm", raw };
}

function aesBytes(key: E2eKey): Bytes {
  if (!("soft" in key) || key.soft !== "aes-gcm")
    throw new TypeError("not an AES-256-GCM key of this module");
  return key.raw;
}

function ecdhBytes(key: E2eKey): Bytes {
  if (!("soft" in key) || key.soft !== "ecdh-p256") throw new TypeError("not a P-256 key of this module");
  return key.d;
}

/** Bytes on their own ArrayBuffer (what the callers' and IndexedDB's types expect). */
function own(bytes: Uint8Array): Bytes {
  return new Uint8Array(bytes);
}
