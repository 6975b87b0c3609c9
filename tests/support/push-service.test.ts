import { createECDH } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  generateVapidKeys,
  type PushRequest,
  pushRequest,
  type VapidKeys,
  vapidAuthorization,
} from "../../shared/webpush/index.ts";
import { RFC8291_EXAMPLE as RFC } from "../../shared/webpush/rfc8291-example.ts";
import { decryptAes128gcm } from "./push-checks.ts";
import { PushService, type Subscription } from "./push-service.ts";

/** The stand-in must accept what shared/webpush sends and refuse what a strict push service would. */

const HOUR = 3600_000;
let service: PushService;
let keys: VapidKeys;

beforeEach(async () => {
  [service, keys] = await Promise.all([PushService.start(), generateVapidKeys()]);
  service.expectVapidKey(keys.publicKey);
});
afterEach(() => service.close());

async function build(
  sub: Subscription,
  payload: unknown = { kind: "ping" },
  now = Date.now(),
): Promise<PushRequest> {
  const built = await pushRequest({
    subscription: sub,
    payload,
    keys,
    subject: "mailto:ops@tether.test",
    ttlSeconds: 60,
    urgency: "normal",
    now,
  });
  if (!built.ok) throw new Error(built.detail);
  return built;
}

function post(
  req: PushRequest,
  headers: Record<string, string | null> = {},
  body = req.init.body,
): Promise<Response> {
  const merged: Record<string, string> = { ...req.init.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return fetch(req.url, { method: "POST", headers: merged, body });
}

describe("push-service stand-in", () => {
  it("accepts what shared/webpush sends and hands next() the decrypted JSON", async () => {
    const sub = service.subscribe();
    expect(sub.endpoint).toBe(`${service.origin}/push/${sub.id}`);
    const arriving = service.next(sub.id);
    const built = await pushRequest({
      subscription: sub,
      payload: { room: "r1", kind: "permission.request", text: "Allow Bash: rm -rf build? ✓" },
      keys,
      subject: "https://relay.tether.test",
      ttlSeconds: 600,
      urgency: "high",
      topic: "room r1 permission",
      now: Date.now(),
    });
    if (!built.ok) throw new Error(built.detail);
    const res = await fetch(built.url, built.init);
    expect(res.status).toBe(201);
    expect(res.headers.get("Location")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/message\//);
    const push = await arriving;
    expect(push).toMatchObject({
      id: sub.id,
      payload: { room: "r1", kind: "permission.request", text: "Allow Bash: rm -rf build? ✓" },
      ttl: 600,
      urgency: "high",
      topic: built.init.headers.Topic,
      status: 201,
    });
    expect(service.received(sub.id)).toEqual([push]);
    expect(service.rejections).toEqual([]);
  });

  it("opens the RFC 8291 Appendix A body with the RFC's receiver key (its decryption is right)", () => {
    const receiver = createECDH("prime256v1");
    receiver.setPrivateKey(Buffer.from(RFC.receiverPrivate, "base64url"));
    expect(receiver.getPublicKey().toString("base64url")).toBe(RFC.receiverPublic);
    const opened = decryptAes128gcm(
      Buffer.from(RFC.body, "base64url"),
      receiver,
      Buffer.from(RFC.authSecret, "base64url"),
    );
    expect(opened.ok && opened.value.toString()).toBe(RFC.plaintext);
  });

  it("refuses a bad signature, a wrong audience, an expired or too distant JWT and a wrong key", async () => {
    const sub = service.subscribe();
    const valid = await build(sub);
    const auth = valid.init.headers.Authorization ?? "";
    const at = auth.indexOf(", k=") - 20; // inside the signature
    const badSignature = auth.slice(0, at) + (auth[at] === "A" ? "B" : "A") + auth.slice(at + 1);
    const base = { keys, subject: "mailto:ops@tether.test" };
    const otherKeys = await generateVapidKeys();
    const cases: [string, string, number, RegExp][] = [
      ["bad signature", badSignature, 401, /signature/],
      [
        "wrong audience",
        await vapidAuthorization({ ...base, endpoint: "https://push.example.net/x", now: Date.now() }),
        401,
        /aud/,
      ],
      [
        "expired",
        await vapidAuthorization({ ...base, endpoint: sub.endpoint, now: Date.now() - 13 * HOUR }),
        401,
        /expired/,
      ],
      [
        "25 h ahead",
        await vapidAuthorization({ ...base, endpoint: sub.endpoint, now: Date.now() + 13 * HOUR }),
        401,
        /24 h/,
      ],
      [
        "wrong key",
        await vapidAuthorization({ ...base, keys: otherKeys, endpoint: sub.endpoint, now: Date.now() }),
        403,
        /k=/,
      ],
      ["not vapid", `WebPush ${auth.slice("vapid t=".length)}`, 401, /vapid/],
    ];
    for (const [name, header, status, reason] of cases) {
      const res = await post(valid, { Authorization: header });
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(service.rejections.at(-1)?.reason).toMatch(reason);
    }
    expect(service.rejections).toHaveLength(cases.length);
    expect((await post(valid)).status).toBe(201); // the untouched request was fine all along
    expect(service.received(sub.id)).toHaveLength(1);
  });

  it("refuses a tampered body, a body for another subscription, a missing TTL and another encoding", async () => {
    const [sub, other] = [service.subscribe(), service.subscribe()];
    const valid = await build(sub);
    const tampered = Uint8Array.from(valid.init.body);
    tampered[100] = (tampered[100] ?? 0) ^ 0x01;
    const forOther = await build(other);
    const cases: [string, Promise<Response>, RegExp][] = [
      ["tampered", post(valid, {}, tampered), /decrypt/],
      ["another subscription's body", post(valid, {}, forOther.init.body), /decrypt/],
      ["no TTL", post(valid, { TTL: null }), /TTL/],
      ["aesgcm", post(valid, { "Content-Encoding": "aesgcm" }), /Content-Encoding/],
      ["bad topic", post(valid, { Topic: "a/b" }), /Topic/],
      ["bad urgency", post(valid, { Urgency: "urgent" }), /Urgency/],
    ];
    for (const [name, response, reason] of cases) {
      expect({ name, status: (await response).status }).toEqual({ name, status: 400 });
      expect(service.rejections.find((r) => reason.test(r.reason))).toBeDefined();
    }
    expect(service.rejections).toHaveLength(cases.length);
    expect(service.received(sub.id)).toEqual([]);
  });

  it("answers 404 for a subscription it does not know", async () => {
    const sub = service.subscribe();
    const built = await build(sub);
    const res = await fetch(`${service.origin}/push/unknown`, built.init);
    expect(res.status).toBe(404);
    expect(service.rejections).toMatchObject([{ id: "unknown", status: 404 }]);
  });

  it("answers as programmed: 500 once then 201, 429 with Retry-After, then 410 for good", async () => {
    const sub = service.subscribe();
    service.answer(sub.id, 500, { times: 1 });
    expect((await post(await build(sub, { n: 1 }))).status).toBe(500);
    expect((await post(await build(sub, { n: 2 }))).status).toBe(201);
    expect((await service.next(sub.id)).payload).toEqual({ n: 2 });
    service.answer(sub.id, 429, { times: 1, retryAfterSeconds: 30 });
    const limited = await post(await build(sub, { n: 3 }));
    expect([limited.status, limited.headers.get("Retry-After")]).toEqual([429, "30"]);
    service.answer(sub.id, 410);
    expect((await post(await build(sub, { n: 4 }))).status).toBe(410);
    expect((await post(await build(sub, { n: 5 }))).status).toBe(410);
    expect(service.attempts(sub.id).map((p) => p.status)).toEqual([500, 201, 429, 410, 410]);
    expect(service.received(sub.id).map((p) => p.payload)).toEqual([{ n: 2 }]);
    expect(service.rejections).toEqual([]);
  });

  it("next() hands out each push once, and rejects when none comes in time", async () => {
    const sub = service.subscribe();
    await post(await build(sub, { n: 1 }));
    await post(await build(sub, { n: 2 }));
    expect((await service.next(sub.id)).payload).toEqual({ n: 1 });
    expect((await service.next(sub.id)).payload).toEqual({ n: 2 });
    await expect(service.next(sub.id, { timeoutMs: 50 })).rejects.toThrow(/no push for/);
  });
});
