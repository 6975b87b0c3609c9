import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "./base64url.ts";
import { ecKeysFromRaw, generateEcKeys } from "./ec-keys.ts";
import { encryptedLength, encryptPayload, MAX_PLAINTEXT } from "./encrypt-payload.ts";
import { RFC8291_EXAMPLE as RFC } from "./rfc8291-example.ts";

function bytes(b64url: string): Uint8Array<ArrayBuffer> {
  const out = fromBase64url(b64url);
  if (out === null) throw new Error(`not base64url: ${b64url}`);
  return out;
}

async function receiver(): Promise<{ p256dh: string; auth: string }> {
  const keys = await generateEcKeys();
  return { p256dh: keys.publicKey, auth: toBase64url(crypto.getRandomValues(new Uint8Array(16))) };
}

describe("encryptPayload (RFC 8291, aes128gcm)", () => {
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

  it("uses a fresh salt and sender key for each message, behind the RFC 8188 header", async () => {
    const to = await receiver();
    const plaintext = new TextEncoder().encode('{"kind":"permission.request"}');
    const [a, b] = await Promise.all([
      encryptPayload({ plaintext, ...to }),
      encryptPayload({ plaintext, ...to }),
    ]);
    if (!a.ok || !b.ok) throw new Error("encryption failed");
    for (const body of [a.body, b.body]) {
      expect(body.length).toBe(encryptedLength(plaintext.length));
      expect(new DataView(body.buffer).getUint32(16)).toBe(4096);
      expect(body[20]).toBe(65);
      expect(body[21]).toBe(0x04);
    }
    expect(toBase64url(a.body.subarray(0, 16))).not.toBe(toBase64url(b.body.subarray(0, 16)));
    expect(toBase64url(a.body.subarray(21, 86))).not.toBe(toBase64url(b.body.subarray(21, 86)));
  });

  it("takes 3993 bytes of plaintext (a 4096-byte body) and refuses 3994", async () => {
    const to = await receiver();
    const fits = await encryptPayload({ plaintext: new Uint8Array(MAX_PLAINTEXT), ...to });
    expect(fits.ok && fits.body.length).toBe(4096);
    const over = await encryptPayload({ plaintext: new Uint8Array(MAX_PLAINTEXT + 1), ...to });
    expect(over).toMatchObject({ ok: false, reason: "too_large" });
  });

  it("refuses a p256dh that is not an uncompressed P-256 point", async () => {
    const { auth } = await receiver();
    const plaintext = new Uint8Array(1);
    const offCurve = new Uint8Array(65).fill(1);
    offCurve[0] = 0x04;
    for (const p256dh of [toBase64url(offCurve), RFC.receiverPublic.slice(0, 40), `${RFC.receiverPublic}+`]) {
      expect(await encryptPayload({ plaintext, p256dh, auth })).toMatchObject({
        ok: false,
        reason: "bad_p256dh",
      });
    }
  });

  it("refuses an auth secret that is not 16 bytes", async () => {
    const { p256dh } = await receiver();
    const auth = toBase64url(new Uint8Array(12));
    expect(await encryptPayload({ plaintext: new Uint8Array(1), p256dh, auth })).toMatchObject({
      ok: false,
      reason: "bad_auth",
    });
  });
});
