import { toBase64url } from "./base64url.ts";
import { type EncryptFailure, encryptPayload } from "./encrypt-payload.ts";
import { type VapidKeys, vapidAuthorization } from "./vapid.ts";

/**
 * One Web Push message (RFC 8030 §5) as a fetch() request: the payload as JSON, encrypted for the
 * subscription, signed with the relay's VAPID keys. Sending it and reading the answer (201, 404/410
 * = gone, 429/5xx = later) is the caller's: this stays pure so every runtime and test can use it.
 */

/** What a browser's `PushSubscription.toJSON()` gives, flattened. */
export type WebPushSubscription = { endpoint: string; p256dh: string; auth: string };

export type Urgency = "very-low" | "low" | "normal" | "high";

export type PushInput = {
  subscription: WebPushSubscription;
  /** Serialised with JSON.stringify; the service worker parses it back. */
  payload: unknown;
  keys: VapidKeys;
  subject: string;
  /** How long the push service may hold the message for an offline device; 0 = deliver now or drop. */
  ttlSeconds: number;
  urgency: Urgency;
  /** A newer message with the same topic replaces an undelivered older one at the push service. */
  topic?: string;
  /** Milliseconds since the epoch. */
  now: number;
};

export type PushRequest = {
  url: string;
  init: { method: "POST"; headers: Record<string, string>; body: Uint8Array<ArrayBuffer> };
};
export type PushFailure = EncryptFailure | { ok: false; reason: "bad_endpoint"; detail: string };
export type PushBuilt = ({ ok: true } & PushRequest) | PushFailure;

export async function pushRequest(input: PushInput): Promise<PushBuilt> {
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 0)
    throw new RangeError(`TTL must be a whole number of seconds >= 0, got ${input.ttlSeconds}`);
  const { endpoint, p256dh, auth } = input.subscription;
  if (!isPushEndpoint(endpoint))
    return { ok: false, reason: "bad_endpoint", detail: "the endpoint is not an http(s) URL" };
  const plaintext = new TextEncoder().encode(JSON.stringify(input.payload));
  const encrypted = await encryptPayload({ plaintext, p256dh, auth });
  if (!encrypted.ok) return encrypted;

  const headers: Record<string, string> = {
    Authorization: await vapidAuthorization({
      endpoint,
      keys: input.keys,
      subject: input.subject,
      now: input.now,
    }),
    "Content-Encoding": "aes128gcm",
    "Content-Type": "application/octet-stream",
    TTL: String(input.ttlSeconds),
    Urgency: input.urgency,
  };
  if (input.topic !== undefined) headers.Topic = await pushTopic(input.topic);
  return { ok: true, url: endpoint, init: { method: "POST", headers, body: encrypted.body } };
}

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * RFC 8030 §5.4 allows at most 32 characters of the base64url alphabet. A topic that already fits
 * is kept (readable in logs); any other becomes the first 32 characters of its SHA-256 in base64url,
 * so the same topic always maps to the same header and different ones practically never collide.
 */
export async function pushTopic(topic: string): Promise<string> {
  if (TOPIC.test(topic)) return topic;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(topic));
  return toBase64url(new Uint8Array(digest)).slice(0, 32);
}

/** Plain http is allowed for a push service on loopback in tests; real ones are all https. */
function isPushEndpoint(endpoint: string): boolean {
  if (!URL.canParse(endpoint)) return false;
  const { protocol } = new URL(endpoint);
  return protocol === "https:" || protocol === "http:";
}
