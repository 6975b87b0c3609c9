import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../webpush/base64url.ts";
import { bodyAad } from "./context.ts";
import {
  deviceWrapKey,
  importPrivateEcdh,
  importRoomKey,
  openBody,
  pairProof,
  sealBody,
  shareWrapKey,
  unwrapRoomKey,
  wrapRoomKey,
} from "./webcrypto.ts";

// The WebCrypto path against the committed vectors (docs/e2e-vectors.json, the contract for any
// client), and every way a relay could alter a sealed body failing to open.
const v = JSON.parse(readFileSync(join(import.meta.dirname, "../../../docs/e2e-vectors.json"), "utf8"));
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const b64 = (s: string) => fromBase64url(s)!;

describe("WebCrypto end-to-end encryption against the vectors", () => {
  it("seals a body and a signal to exactly the vectors' bytes, and opens them", async () => {
    const key = await importRoomKey(hex(v.body.roomKeyHex));
    const nonce = hex(v.body.nonceHex);
    expect(new TextDecoder().decode(bodyAad(v.body.context, 1))).toBe(v.body.associatedData);
    expect(await sealBody(key, 1, v.body.context, v.body.body, { nonce, compress: false })).toEqual(
      v.body.sealed,
    );
    expect(await openBody(() => key, v.body.context, v.body.sealed)).toEqual({ ok: true, body: v.body.body });
    expect(await openBody(() => key, v.signal.context, v.signal.sealed)).toEqual({
      ok: true,
      body: v.signal.body,
    });
  });

  it("derives the device's and the share's wrapping keys and wraps as the vectors say", async () => {
    const g = v.deviceGrant;
    const room = g.room;
    // Each side derives the same key: the machine from the device's public key and back.
    const fromMachine = await deviceWrapKey(
      await importPrivateEcdh(g.machinePrivateJwk),
      g.devicePublicKey,
      g.recipient,
    );
    const fromDevice = await deviceWrapKey(
      await importPrivateEcdh(g.devicePrivateJwk),
      g.machinePublicKey,
      g.recipient,
    );
    const raw = hex(g.roomKeyHex);
    const nonce = b64(g.wrapped.n);
    expect(await wrapRoomKey(fromMachine, raw, { room, k: 1, to: g.recipient }, nonce)).toEqual(g.wrapped);
    expect(await unwrapRoomKey(fromDevice, room, g.wrapped)).toEqual(raw);
    // Another room or another recipient does not verify.
    expect(await unwrapRoomKey(fromDevice, "s-BBBBBBBBBBBBBBBBBBBBBB", g.wrapped)).toBeNull();
    expect(await unwrapRoomKey(fromDevice, room, { ...g.wrapped, to: "d:tk_CCCCCCCCCCCC" })).toBeNull();

    const s = v.shareGrant;
    const shareKey = await shareWrapKey(b64(s.shareSecret), s.recipient);
    expect(await unwrapRoomKey(shareKey, s.room, s.wrapped)).toEqual(raw);
    expect(await wrapRoomKey(shareKey, raw, { room, k: 1, to: s.recipient }, b64(s.wrapped.n))).toEqual(
      s.wrapped,
    );
  });

  it("makes the pairing proof of the vectors", async () => {
    const p = v.pairProof;
    expect(await pairProof(b64(p.pairingSecret), { code: p.code, tokenId: p.tokenId, key: p.key })).toBe(
      p.proof,
    );
  });
});

describe("what a relay might do to a sealed body", () => {
  const ctx = { room: "s-AAAAAAAAAAAAAAAAAAAAAA", kind: "agent.message", mid: "m_tamper_00000000001" };
  const body = { text: "secret plan ".repeat(40) };

  it("is caught: another room, kind, mid or generation, altered or cut bytes, a plaintext body", async () => {
    const key = await importRoomKey(new Uint8Array(32).fill(7));
    const sealed = await sealBody(key, 1, ctx, body);
    expect(sealed.z).toBe(1); // compressible text is deflated first
    const keyOf = () => key;
    expect(await openBody(keyOf, ctx, sealed)).toEqual({ ok: true, body });
    const bad = async (c: typeof ctx, b: unknown) => (await openBody(keyOf, c, b)) as { reason?: string };
    expect((await bad({ ...ctx, room: "s-BBBBBBBBBBBBBBBBBBBBBB" }, sealed)).reason).toBe("bad_tag");
    expect((await bad({ ...ctx, kind: "user.message" }, sealed)).reason).toBe("bad_tag");
    expect((await bad({ ...ctx, mid: "m_tamper_00000000002" }, sealed)).reason).toBe("bad_tag");
    expect((await bad(ctx, { ...sealed, k: 2 })).reason).toBe("bad_tag");
    const flipped = b64(sealed.c);
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    expect((await bad(ctx, { ...sealed, c: Buffer.from(flipped).toString("base64url") })).reason).toBe(
      "bad_tag",
    );
    expect((await bad(ctx, { ...sealed, c: sealed.c.slice(0, -8) })).reason).toBe("bad_tag");
    expect((await bad(ctx, { ...sealed, z: undefined })).reason).toBe("bad_plaintext");
    expect((await bad(ctx, body)).reason).toBe("not_sealed");
    expect((await openBody(() => null, ctx, sealed)) as { reason?: string }).toEqual({
      ok: false,
      reason: "unknown_key",
    });
  });
});
