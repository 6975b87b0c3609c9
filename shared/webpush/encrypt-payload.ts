import { fromBase64url } from "./base64url.ts";
import { type EcKeys, generateEcKeys, importPrivateKey, importPublicKey, rawPublicKey } from "./ec-keys.ts";

/**
 * Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188), as one
 * record: header (salt ‖ rs ‖ idlen ‖ sender public key) then the sealed plaintext ‖ 0x02.
 */

/** The record size we declare; one record always fits in it (see MAX_PLAINTEXT). */
export const RECORD_SIZE = 4096;
/**
 * Push services need not accept more than 4096 bytes of body (RFC 8030 §7.2). Less the 86-byte
 * header, the 0x02 delimiter and the 16-byte tag, 3993 bytes of plaintext remain (RFC 8291 §4).
 */
export const MAX_PLAINTEXT = 3993;
const HEADER_LENGTH = 16 + 4 + 1 + 65;
const TAG_LENGTH = 16;

export type EncryptInput = {
  plaintext: Uint8Array;
  /** The subscription's keys as the browser gives them (base64url). */
  p256dh: string;
  auth: string;
  /** Fixed only by tests (RFC 8291 Appendix A); fresh random otherwise, as the RFC requires. */
  salt?: Uint8Array<ArrayBuffer>;
  senderKeys?: EcKeys;
};

/** What the subscription or the payload can get wrong; the caller drops or reports that push. */
export type EncryptFailure = {
  ok: false;
  reason: "too_large" | "bad_p256dh" | "bad_auth";
  detail: string;
};
export type Encrypted = { ok: true; body: Uint8Array<ArrayBuffer> } | EncryptFailure;

export async function encryptPayload(input: EncryptInput): Promise<Encrypted> {
  const { plaintext } = input;
  if (plaintext.length > MAX_PLAINTEXT)
    return fail("too_large", `${plaintext.length} bytes of plaintext, at most ${MAX_PLAINTEXT} fit`);
  const receiver = await receiverKey(input.p256dh);
  if (!receiver.ok) return receiver;
  const auth = fromBase64url(input.auth);
  if (auth === null || auth.length !== 16) return fail("bad_auth", "auth is not 16 bytes of base64url");

  const salt = input.salt ?? crypto.getRandomValues(new Uint8Array(16));
  if (salt.length !== 16) throw new RangeError("the salt must be 16 bytes");
  const sender = input.senderKeys ?? (await generateEcKeys());
  const senderPublic = rawPublicKey(sender.privateJwk);

  // Not written inline: Workers' typings spell the standard `public` member `$public`, and only a
  // fresh object literal is checked for unknown members. The runtime takes `public`.
  const ecdh = { name: "ECDH", public: receiver.key };
  const ecdhSecret = await crypto.subtle.deriveBits(
    ecdh,
    await importPrivateKey(sender.privateJwk, "ECDH"),
    256,
  );
  // RFC 8291 §3.4: the auth secret and both public keys go into the input keying material.
  const keyInfo = concat(ascii("WebPush: info\0"), receiver.raw, senderPublic);
  const ikm = await hkdf(new Uint8Array(ecdhSecret), auth, keyInfo, 32);
  const cek = await hkdf(ikm, salt, ascii("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(ikm, salt, ascii("Content-Encoding: nonce\0"), 12);

  const record = new Uint8Array(plaintext.length + 1);
  record.set(plaintext);
  record[plaintext.length] = 0x02; // delimiter of the last (and only) record; no further padding
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, aes, record));
  return { ok: true, body: withHeader(salt, senderPublic, sealed) };
}

/** The body length for a plaintext of `n` bytes (for callers sizing a payload). */
export function encryptedLength(n: number): number {
  return HEADER_LENGTH + n + 1 + TAG_LENGTH;
}

/** RFC 8188 §2.1: salt ‖ rs (uint32) ‖ idlen ‖ keyid, where keyid is the sender's public key (RFC 8291 §4). */
function withHeader(salt: Uint8Array, senderPublic: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(HEADER_LENGTH + sealed.length);
  body.set(salt, 0);
  new DataView(body.buffer).setUint32(16, RECORD_SIZE);
  body[20] = senderPublic.length;
  body.set(senderPublic, 21);
  body.set(sealed, HEADER_LENGTH);
  return body;
}

type Receiver = { ok: true; raw: Uint8Array<ArrayBuffer>; key: Awaited<ReturnType<typeof importPublicKey>> };

async function receiverKey(p256dh: string): Promise<Receiver | EncryptFailure> {
  const raw = fromBase64url(p256dh);
  if (raw === null || raw.length !== 65 || raw[0] !== 0x04)
    return fail("bad_p256dh", "p256dh is not a 65-byte uncompressed point in base64url");
  try {
    return { ok: true, raw, key: await importPublicKey(raw, "ECDH") };
  } catch (error) {
    // The bytes came from a browser we do not control: a point off the curve is bad input, not a bug.
    return fail("bad_p256dh", `p256dh is not a P-256 point (${String(error)})`);
  }
}

async function hkdf(
  ikm: Uint8Array<ArrayBuffer>,
  salt: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8);
  return new Uint8Array(bits);
}

function fail(reason: EncryptFailure["reason"], detail: string): EncryptFailure {
  return { ok: false, reason, detail };
}

function ascii(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(new TextEncoder().encode(text)); // a copy, typed as backed by an ArrayBuffer
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
