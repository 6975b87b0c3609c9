/**
 * base64url without padding (RFC 4648 §5), the encoding of every key, salt and JWT part in Web
 * Push. Built on btoa/atob so it runs unchanged in workerd, Node and browsers.
 */

export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

// Padding is tolerated because some clients send it; the standard alphabet is not (a '+' or '/'
// means the sender used plain base64, and silently accepting it would hide that bug).
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** The bytes, or null when `text` is not base64url (checked first, so atob never throws). */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64URL.test(text)) return null;
  const bare = text.replace(/=+$/, "");
  if (bare.length % 4 === 1) return null;
  const binary = atob(
    bare
      .replaceAll("-", "+")
      .replaceAll("_", "/")
      .padEnd(Math.ceil(bare.length / 4) * 4, "="),
  );
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Text encoded as UTF-8 bytes, then base64url (JWT parts). */
export function utf8Base64url(text: string): string {
  return toBase64url(new TextEncoder().encode(text));
}
