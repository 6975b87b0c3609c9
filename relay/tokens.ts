/** Bearer values, token ids and pairing codes. Values are random and stored only as SHA-256 hashes. */

const TOKEN_BYTES = 32;
const TOKEN_ID_BYTES = 9;
/** 96 bits: well above the 64 that docs/protocol.md §2.1 asks for, still short enough for a link. */
const PAIRING_CODE_BYTES = 12;

export function mintTokenValue(): string {
  return `tt_${randomBase64Url(TOKEN_BYTES)}`;
}

export function mintTokenId(): string {
  return `tk_${randomBase64Url(TOKEN_ID_BYTES)}`;
}

export function mintPairingCode(): string {
  return randomBase64Url(PAIRING_CODE_BYTES);
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time equality; hashing first makes both sides the same length. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function randomBase64Url(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A new token: its id, the bearer value (shown once) and the hash that is stored. */
export type Fresh = { id: string; value: string; hash: string };

export async function freshToken(): Promise<Fresh> {
  const value = mintTokenValue();
  return { id: mintTokenId(), value, hash: await sha256Hex(value) };
}
