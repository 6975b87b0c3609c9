import { webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fromBase64url } from "../../webpush/base64url.ts";
import { bodyAad } from "./context.ts";
import { isSoftKey } from "./primitives.ts";
import {
  deviceWrapKey,
  generateDeviceKeys,
  importPrivateEcdh,
  importRoomKey,
  openBody,
  pairProof,
  sealBody,
  shareWrapKey,
  unwrapRoomKey,
  wrapRoomKey,
} from "./webcrypto.ts";

// Both paths of webcrypto.ts against the committed vectors (docs/e2e-vectors.json, the contract for
// any client), and every way a relay could alter a sealed body failing to open: WebCrypto, and the
// pure-JavaScript twin a page gets without `crypto.subtle` (plain HTTP on a LAN address), which
// is what taking `crypto.subtle` away here makes webcrypto.ts use.
const v = JSON.parse(readFileSync(join(import.meta.dirname, "../../../docs/e2e-vectors.json"), "utf8"));
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const b64 = (s: string) => fromBase64url(s)!;

const paths = [
  { name: "WebCrypto", soft: false },
  { name: "the pure-JavaScript twin (no crypto.subtle)", soft: true },
];

for (const path of paths) {
  describe(`${path.name}`, () => {
    if (path.soft) withoutSubtle();
    againstTheVectors(path.soft);
    againstTampering(path.soft);
  });
}

/** What an insecure context's page has: `crypto.getRandomValues`, and no `crypto.subtle`. */
function withoutSubtle(): void {
  beforeAll(() => {
    const getRandomValues = webcrypto.getRandomValues.bind(webcrypto);
    vi.stubGlobal("crypto", { getRandomValues });
  });
  afterAll(() => {
    vi.unstubAllGlobals();
  });
}

function againstTheVectors(soft: boolean): void {
  describe("end-to-end encryption against the vectors", () => {
    it("seals a body and a signal to exactly the vectors' bytes, and opens them", async () => {
      const key = await importRoomKey(hex(v.body.roomKeyHex));
      // The path under test is the one that made the key.
      expect(isSoftKey(key)).toBe(soft);
      const nonce = hex(v.body.nonceHex);
      expect(new TextDecoder().decode(bodyAad(v.body.context, 1))).toBe(v.body.associatedData);
      expect(await sealBody(key, 1, v.body.context, v.body.body, { nonce, compress: false })).toEqual(
        v.body.sealed,
      );
      expect(await openBody(() => key, v.body.context, v.body.sealed)).toEqual({
        ok: true,
        body: v.body.body,
      });
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
      const deviceKey = await importPrivateEcdh(g.devicePrivateJwk);
      expect(isSoftKey(deviceKey)).toBe(soft);
      const fromDevice = await deviceWrapKey(deviceKey, g.machinePublicKey, g.recipient);
      expect(isSoftKey(fromDevice)).toBe(soft);
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

    it("pairs: a fresh device key pair and the machine's derive the same wrapping key", async () => {
      const g = v.deviceGrant;
      const device = await generateDeviceKeys();
      expect(isSoftKey(device.privateKey)).toBe(soft);
      const machine = await importPrivateEcdh(g.machinePrivateJwk);
      const to = "d:tk_DDDDDDDDDDDD";
      const fromDevice = await deviceWrapKey(device.privateKey, g.machinePublicKey, to);
      const fromMachine = await deviceWrapKey(machine, device.publicKey, to);
      const raw = hex(g.roomKeyHex);
      const wrapped = await wrapRoomKey(fromMachine, raw, { room: g.room, k: 3, to });
      expect(await unwrapRoomKey(fromDevice, g.room, wrapped)).toEqual(raw);
      // A point that is not on the curve is refused, not multiplied.
      const off = b64(device.publicKey);
      off[64] = (off[64] ?? 0) ^ 1;
      await expect(deviceWrapKey(machine, Buffer.from(off).toString("base64url"), to)).rejects.toThrow();
    });
  });
}

function againstTampering(soft: boolean): void {
  describe("what a relay might do to a sealed body", () => {
    const ctx = { room: "s-AAAAAAAAAAAAAAAAAAAAAA", kind: "agent.message", mid: "m_tamper_00000000001" };
    const body = { text: "secret plan ".repeat(40) };

    it("is caught: another room, kind, mid or generation, altered or cut bytes, a plaintext body", async () => {
      const key = await importRoomKey(new Uint8Array(32).fill(7));
      expect(isSoftKey(key)).toBe(soft);
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
}
