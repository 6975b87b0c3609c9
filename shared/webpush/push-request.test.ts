import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "./base64url.ts";
import { encryptedLength, MAX_PLAINTEXT } from "./encrypt-payload.ts";
import { type PushInput, pushRequest, pushTopic } from "./push-request.ts";
import { generateVapidKeys } from "./vapid.ts";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

async function input(overrides: Partial<PushInput> = {}): Promise<PushInput> {
  const [keys, browser] = await Promise.all([generateVapidKeys(), generateVapidKeys()]);
  const subscription = {
    endpoint: "https://fcm.googleapis.com/fcm/send/abc:def",
    p256dh: browser.publicKey,
    auth: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  return {
    subscription,
    payload: { room: "r1", kind: "permission.request", seq: 7 },
    keys,
    subject: "mailto:ops@example.com",
    ttlSeconds: 3600,
    urgency: "high",
    now: NOW,
    ...overrides,
  };
}

describe("pushRequest (RFC 8030)", () => {
  it("posts the encrypted JSON to the endpoint with the Web Push headers", async () => {
    const push = await input();
    const built = await pushRequest(push);
    if (!built.ok) throw new Error(built.detail);
    expect(built.url).toBe(push.subscription.endpoint);
    expect(built.init.method).toBe("POST");
    const { Authorization, ...rest } = built.init.headers;
    expect(rest).toEqual({
      "Content-Encoding": "aes128gcm",
      "Content-Type": "application/octet-stream",
      TTL: "3600",
      Urgency: "high",
    });
    expect(Authorization).toMatch(
      new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${push.keys.publicKey}$`),
    );
    const claims = Authorization?.split(".")[1] ?? "";
    expect(JSON.parse(new TextDecoder().decode(fromBase64url(claims) ?? new Uint8Array()))).toMatchObject({
      aud: "https://fcm.googleapis.com",
    });
    expect(built.init.body.length).toBe(encryptedLength(JSON.stringify(push.payload).length));
  });

  it("sends a topic that fits as it is, and hashes one that does not into 32 base64url characters", async () => {
    const kept = await pushRequest(await input({ topic: "room-r1_perm" }));
    expect(kept.ok && kept.init.headers.Topic).toBe("room-r1_perm");
    const hashed = await pushTopic("room r1 / permission #7");
    expect(hashed).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await pushTopic("room r1 / permission #7")).toBe(hashed);
    expect(await pushTopic("room r1 / permission #8")).not.toBe(hashed);
    expect(await pushTopic("a".repeat(33))).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await pushTopic("a".repeat(33))).not.toBe("a".repeat(32));
    const none = await pushRequest(await input());
    expect(none.ok && "Topic" in none.init.headers).toBe(false);
  });

  it("returns a failure for a payload too large, a bad endpoint or bad keys, and throws on a bad TTL", async () => {
    const big = await pushRequest(await input({ payload: "x".repeat(MAX_PLAINTEXT) }));
    expect(big).toMatchObject({ ok: false, reason: "too_large" });
    const base = await input();
    for (const endpoint of ["ftp://push.example/x", "not a url"]) {
      const built = await pushRequest({ ...base, subscription: { ...base.subscription, endpoint } });
      expect(built).toMatchObject({ ok: false, reason: "bad_endpoint" });
    }
    const badKey = await pushRequest({ ...base, subscription: { ...base.subscription, p256dh: "AAAA" } });
    expect(badKey).toMatchObject({ ok: false, reason: "bad_p256dh" });
    await expect(pushRequest({ ...base, ttlSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(pushRequest({ ...base, ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
  });
});
