/**
 * The byte strings of end-to-end encryption (docs/protocol.md §12), the same in every runtime:
 * associated data, HKDF labels and the plaintext's encoding. Pure, so the bridge's synchronous
 * node:crypto path and the browsers' WebCrypto path cannot drift apart (test vectors hold both).
 */

export const E2E_VERSION = 1;
const LABEL = "tether.e2e.v1";

/** Where a body belongs. `mid` is null for a signal (signals have none). */
export type BodyContext = { room: string; kind: string; mid: string | null };

/** The most a sealed body may inflate to (a deflate bomb from a key holder stops here). */
export const MAX_PLAIN_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
/** UTF-8 bytes on their own ArrayBuffer (what WebCrypto's typings ask for in every runtime). */
const utf8 = { encode: (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(encoder.encode(text)) };

/**
 * A body's associated data: room, kind, mid and key generation, newline-separated. None of them
 * can hold a newline (their regexes, §2.1), so the encoding is unambiguous.
 */
export function bodyAad(ctx: BodyContext, k: number): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${LABEL}/body\n${ctx.room}\n${ctx.kind}\n${ctx.mid ?? ""}\n${k}`);
}

/** A wrapped room key's associated data: which room, which generation, for whom. */
export function grantAad(room: string, k: number, to: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${LABEL}/grant\n${room}\n${k}\n${to}`);
}

/** HKDF info of the key that wraps room keys for `to` (a device from ECDH, a share from its secret). */
export function wrapInfo(to: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${LABEL}/wrap\n${to}`);
}

/** HKDF info of the pairing proof's HMAC key. */
export const PAIR_INFO = utf8.encode(`${LABEL}/pair`);

/** What the pairing proof covers. */
export function pairData(code: string, tokenId: string, key: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${LABEL}/enroll\n${code}\n${tokenId}\n${key}`);
}

/** HKDF's salt: none (RFC 5869 §2.2: a string of zeros), the inputs are uniformly random secrets. */
export const NO_SALT = new Uint8Array(32);

/** A plaintext below this is never compressed: deflate's header would eat what it saves. */
export const COMPRESS_FROM_BYTES = 256;
