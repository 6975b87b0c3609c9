import { NO_SALT } from "./context.ts";
import { type E2eKey, isSoftKey, type Primitives, type WebKey } from "./primitives.ts";

/** The primitives of primitives.ts on WebCrypto: every runtime with `crypto.subtle`. */
export const webPrimitives: Primitives = {
  aesKey: (raw) => subtle().importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
  encrypt: async (key, iv, aad, plain) =>
    new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: aad }, web(key), plain)),
  decrypt: async (key, iv, aad, sealed) =>
    new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv, additionalData: aad }, web(key), sealed)),
  async generateEcdh() {
    const pair = await subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    if (!("privateKey" in pair)) throw new TypeError("ECDH generateKey did not return a key pair");
    const raw = new Uint8Array((await subtle().exportKey("raw", pair.publicKey)) as ArrayBuffer);
    return { privateKey: pair.privateKey, publicKey: raw };
  },
  importEcdh: (jwk) =>
    subtle().importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]),
  async ecdh(mine, theirs) {
    const peer = await subtle().importKey("raw", theirs, { name: "ECDH", namedCurve: "P-256" }, false, []);
    // A variable, not a literal: Workers' typings spell the member `$public`.
    const ecdh = { name: "ECDH", public: peer };
    return new Uint8Array(await subtle().deriveBits(ecdh, web(mine), 256));
  },
  async hkdfAesKey(ikm, info) {
    const base = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveKey"]);
    return subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: NO_SALT, info },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  },
  async hkdfHmac(ikm, info, data) {
    const base = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveKey"]);
    const mac = await subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: NO_SALT, info },
      base,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    );
    return new Uint8Array(await subtle().sign("HMAC", mac, data));
  },
  sha256: async (data) => new Uint8Array(await subtle().digest("SHA-256", data)),
};

const subtle = () => crypto.subtle;

function web(key: E2eKey): WebKey {
  // Keys never cross realms of different kinds: a page is secure or not for all its life.
  if (isSoftKey(key)) throw new TypeError("a pure-JavaScript key reached WebCrypto");
  return key;
}
