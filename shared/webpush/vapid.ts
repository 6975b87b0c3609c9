import { toBase64url, utf8Base64url } from "./base64url.ts";
import { EcKeys, generateEcKeys, importPrivateKey } from "./ec-keys.ts";

/**
 * VAPID (RFC 8292): the relay proves to a push service that it is the server the subscription was
 * made for, with a short-lived ES256 JWT and its public key in the Authorization header.
 */

/** The relay's VAPID key pair as it is stored (JSON); the browser subscribes with `publicKey`. */
export const VapidKeys = EcKeys;
export type VapidKeys = EcKeys;

export function generateVapidKeys(): Promise<VapidKeys> {
  return generateEcKeys();
}

/** Twelve hours: long enough to reuse, well inside the 24 h push services accept (RFC 8292 §2). */
export const DEFAULT_VAPID_SECONDS = 12 * 60 * 60;
export const MAX_VAPID_SECONDS = 24 * 60 * 60;

export type VapidInput = {
  /** The push endpoint; the JWT's audience is its origin. */
  endpoint: string;
  keys: VapidKeys;
  /** How the push service can reach the operator: a mailto: or https: URL. */
  subject: string;
  /** Milliseconds since the epoch (Date.now()). */
  now: number;
  expiresInSeconds?: number;
};

/** The `Authorization` header value: `vapid t=<JWT>, k=<public key>`. */
export async function vapidAuthorization(input: VapidInput): Promise<string> {
  const expiresIn = input.expiresInSeconds ?? DEFAULT_VAPID_SECONDS;
  // Wrong settings are the caller's bug, not something a push can recover from: throw.
  if (!Number.isInteger(expiresIn) || expiresIn <= 0 || expiresIn > MAX_VAPID_SECONDS)
    throw new RangeError(`VAPID expiry must be 1..${MAX_VAPID_SECONDS} s, got ${expiresIn}`);
  if (!isVapidSubject(input.subject))
    throw new RangeError(`VAPID subject must be a mailto: or https: URL, got ${input.subject}`);
  const claims = {
    aud: new URL(input.endpoint).origin,
    exp: Math.floor(input.now / 1000) + expiresIn,
    sub: input.subject,
  };
  const jwt = await signJwt(claims, input.keys);
  return `vapid t=${jwt}, k=${input.keys.publicKey}`;
}

/** Push services refuse other subjects (Mozilla's autopush checks it); the relay checks its setting once. */
export function isVapidSubject(subject: string): boolean {
  if (subject.startsWith("mailto:")) return subject.length > "mailto:".length;
  return URL.canParse(subject) && new URL(subject).protocol === "https:";
}

async function signJwt(claims: Record<string, string | number>, keys: VapidKeys): Promise<string> {
  const signingInput = `${utf8Base64url(JSON.stringify({ typ: "JWT", alg: "ES256" }))}.${utf8Base64url(JSON.stringify(claims))}`;
  const key = await importPrivateKey(keys.privateJwk, "ECDSA");
  // WebCrypto's ECDSA signature is already r ‖ s (64 bytes), the form JWS wants (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${toBase64url(new Uint8Array(signature))}`;
}
