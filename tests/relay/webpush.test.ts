import { describe, expect, it } from "vitest";
import {
  ecKeysFromRaw,
  encryptPayload,
  fromBase64url,
  generateVapidKeys,
  pushRequest,
  toBase64url,
  vapidAuthorization,
} from "../../shared/webpush/index.ts";
import { RFC8291_EXAMPLE as RFC } from "../../shared/webpush/rfc8291-example.ts";

/**
 * shared/webpush in workerd, where the relay runs it: WebCrypto differs between runtimes (ECDH's
 * `public` member, JWK export, raw ECDSA signatures), so the RFC example is checked here too.
 */

function bytes(b64url: string): Uint8Array<ArrayBuffer> {
  const out = fromBase64url(b64url);
  if (out === null) throw new Error(`not base64url: ${b64url}`);
  return out;
}

describe("Web Push crypto in workerd", () => {
  it("reproduces the RFC 8291 Appendix A body byte for byte", async () => {
    const result = await encryptPayload({
      plaintext: new TextEncoder().encode(RFC.plaintext),
      p256dh: RFC.receiverPublic,
      auth: RFC.authSecret,
      salt: bytes(RFC.salt),
      senderKeys: ecKeysFromRaw(bytes(RFC.senderPublic), bytes(RFC.senderPrivate)),
    });
    expect(result.ok && toBase64url(result.body)).toBe(RFC.body);
  });

  it("generates VAPID keys and signs a JWT that verifies with the public key", async () => {
    const keys = await generateVapidKeys();
    const header = await vapidAuthorization({
      endpoint: "https://updates.push.services.mozilla.com/wpush/v2/abc",
      keys,
      subject: "mailto:ops@tether.test",
      now: Date.now(),
    });
    const [, jwt = "", k = ""] = /^vapid t=([^,]+), k=(.+)$/.exec(header) ?? [];
    expect(k).toBe(keys.publicKey);
    const [head, claims, signature = ""] = jwt.split(".");
    const key = await crypto.subtle.importKey(
      "raw",
      bytes(k),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    const signed = new TextEncoder().encode(`${head}.${claims}`);
    const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, bytes(signature), signed);
    expect(ok).toBe(true);
  });

  it("builds a push request with a fresh sender key", async () => {
    const [keys, browser] = await Promise.all([generateVapidKeys(), generateVapidKeys()]);
    const subscription = {
      endpoint: "https://fcm.googleapis.com/fcm/send/x",
      p256dh: browser.publicKey,
      auth: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
    };
    const built = await pushRequest({
      subscription,
      payload: { kind: "ping" },
      keys,
      subject: "mailto:ops@tether.test",
      ttlSeconds: 60,
      urgency: "normal",
      topic: "room r1",
      now: Date.now(),
    });
    expect(built.ok && built.init.headers.Topic).toMatch(/^[\w-]{32}$/);
    expect(built.ok && built.init.body.length).toBe(86 + '{"kind":"ping"}'.length + 1 + 16);
  });
});
