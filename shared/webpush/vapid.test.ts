import { describe, expect, it } from "vitest";
import { fromBase64url, utf8Base64url } from "./base64url.ts";
import { importPublicKey } from "./ec-keys.ts";
import { generateVapidKeys, VapidKeys, vapidAuthorization } from "./vapid.ts";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const ENDPOINT = "https://push.example.net:8443/wpush/v2/gAAAAABk?x=1";

function decode(part: string | undefined): Uint8Array<ArrayBuffer> {
  const bytes = fromBase64url(part ?? "");
  if (bytes === null) throw new Error(`not base64url: ${part}`);
  return bytes;
}

const json = (part: string | undefined): unknown => JSON.parse(new TextDecoder().decode(decode(part)));

/** The JWT and key of an Authorization header, and whether the signature verifies with that key. */
async function readHeader(header: string) {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(header);
  if (match === null) throw new Error(`not a vapid header: ${header}`);
  const [jwt, k] = [match[1] ?? "", match[2] ?? ""];
  const [head, claims, signature] = jwt.split(".");
  const key = await importPublicKey(decode(k), "ECDSA");
  const signed = new TextEncoder().encode(`${head}.${claims}`);
  const verify = (data: Uint8Array<ArrayBuffer>) =>
    crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, decode(signature), data);
  return { k, head: json(head), claims: json(claims), signature: decode(signature), verify, signed };
}

describe("VAPID keys", () => {
  it("are a 65-byte public point and a private JWK that survive JSON storage", async () => {
    const keys = await generateVapidKeys();
    const raw = decode(keys.publicKey);
    expect(raw.length).toBe(65);
    expect(raw[0]).toBe(0x04);
    expect(VapidKeys.parse(JSON.parse(JSON.stringify(keys)))).toEqual(keys);
    expect((await generateVapidKeys()).publicKey).not.toBe(keys.publicKey);
  });

  it("do not parse when the public key is not the private key's", async () => {
    const [a, b] = await Promise.all([generateVapidKeys(), generateVapidKeys()]);
    expect(VapidKeys.safeParse({ publicKey: b.publicKey, privateJwk: a.privateJwk }).success).toBe(false);
  });
});

describe("vapidAuthorization (RFC 8292)", () => {
  it("signs an ES256 JWT for the endpoint's origin that verifies with the public key it names", async () => {
    const keys = await generateVapidKeys();
    const header = await vapidAuthorization({
      endpoint: ENDPOINT,
      keys,
      subject: "mailto:ops@example.com",
      now: NOW,
    });
    const jwt = await readHeader(header);
    expect(jwt.k).toBe(keys.publicKey);
    expect(jwt.head).toEqual({ typ: "JWT", alg: "ES256" });
    expect(jwt.claims).toEqual({
      aud: "https://push.example.net:8443",
      exp: NOW / 1000 + 12 * 3600,
      sub: "mailto:ops@example.com",
    });
    expect(jwt.signature.length).toBe(64);
    expect(await jwt.verify(jwt.signed)).toBe(true);
    const otherClaims = utf8Base64url(
      JSON.stringify({ ...(jwt.claims as object), sub: "mailto:eve@example.com" }),
    );
    const forged = new TextEncoder().encode(
      `${header.split(".")[0]?.slice("vapid t=".length)}.${otherClaims}`,
    );
    expect(await jwt.verify(forged)).toBe(false);
  });

  it("takes a shorter expiry, and refuses one past 24 hours or a subject that is not mailto:/https:", async () => {
    const keys = await generateVapidKeys();
    const base = { endpoint: ENDPOINT, keys, subject: "https://relay.example.com", now: NOW };
    const jwt = await readHeader(await vapidAuthorization({ ...base, expiresInSeconds: 600 }));
    expect(jwt.claims).toMatchObject({ exp: NOW / 1000 + 600, sub: "https://relay.example.com" });
    await expect(vapidAuthorization({ ...base, expiresInSeconds: 24 * 3600 })).resolves.toMatch(/^vapid /);
    await expect(vapidAuthorization({ ...base, expiresInSeconds: 24 * 3600 + 1 })).rejects.toThrow(
      RangeError,
    );
    await expect(vapidAuthorization({ ...base, expiresInSeconds: 0 })).rejects.toThrow(RangeError);
    for (const subject of ["http://relay.example.com", "ops@example.com", "mailto:"]) {
      await expect(vapidAuthorization({ ...base, subject })).rejects.toThrow(/subject/);
    }
  });
});
