import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { importRoomKey, openBody, sealBody } from "../../shared/core/e2e/webcrypto.ts";
import {
  deviceWrapKeySync,
  machineKeysOf,
  openBodySync,
  pairProofSync,
  pairProofValid,
  sealBodySync,
  shareWrapKeySync,
  unwrapRoomKeySync,
  wrapRoomKeySync,
} from "./node-seal.ts";

// The bridge's node:crypto path against the committed vectors, and across to the WebCrypto path
// (compressed bodies, whose deflate bytes are not pinned by the vectors).
const v = JSON.parse(readFileSync(join(import.meta.dirname, "../../docs/e2e-vectors.json"), "utf8"));
const hex = (s: string) => Buffer.from(s, "hex");

describe("node:crypto end-to-end encryption", () => {
  it("makes the vectors' bytes", () => {
    const key = hex(v.body.roomKeyHex);
    expect(
      sealBodySync(key, 1, v.body.context, v.body.body, { nonce: hex(v.body.nonceHex), compress: false }),
    ).toEqual(v.body.sealed);
    expect(openBodySync(() => key, v.signal.context, v.signal.sealed)).toEqual({
      ok: true,
      body: v.signal.body,
    });
    const g = v.deviceGrant;
    const machine = machineKeysOf(g.machinePrivateJwk);
    expect(machine.publicKey).toBe(g.machinePublicKey);
    const wrap = deviceWrapKeySync(machine, g.devicePublicKey, g.recipient);
    expect(wrap.toString("hex")).toBe(g.wrapKeyHex);
    expect(
      wrapRoomKeySync(
        wrap,
        key,
        { room: g.room, k: 1, to: g.recipient },
        Buffer.from(g.wrapped.n, "base64url"),
      ),
    ).toEqual(g.wrapped);
    const share = shareWrapKeySync(
      Buffer.from(v.shareGrant.shareSecret, "base64url"),
      v.shareGrant.recipient,
    );
    expect(unwrapRoomKeySync(share, v.shareGrant.room, v.shareGrant.wrapped)).toEqual(key);
    const p = v.pairProof;
    const secret = Buffer.from(p.pairingSecret, "base64url");
    const fields = { code: p.code, tokenId: p.tokenId, key: p.key };
    expect(pairProofSync(secret, fields)).toBe(p.proof);
    expect(pairProofValid(secret, fields, p.proof)).toBe(true);
    expect(pairProofValid(secret, { ...fields, key: g.machinePublicKey }, p.proof)).toBe(false);
  });

  it("opens what WebCrypto sealed and the other way round, deflated", async () => {
    const raw = Buffer.alloc(32, 9);
    const key = await importRoomKey(new Uint8Array(raw));
    const ctx = { room: "m-machine01", kind: "machine.sessions", mid: "m_cross_00000000001" };
    const body = {
      sessions: Array.from({ length: 30 }, (_, i) => ({ title: `session ${i}`, cwd: "/home/me/src" })),
    };
    const fromWeb = await sealBody(key, 3, ctx, body);
    expect(fromWeb.z).toBe(1);
    expect(openBodySync((k) => (k === 3 ? raw : null), ctx, fromWeb)).toEqual({ ok: true, body });
    const fromNode = sealBodySync(raw, 3, ctx, body);
    expect(fromNode.z).toBe(1);
    expect(await openBody(() => key, ctx, fromNode)).toEqual({ ok: true, body });
  });

  it("refuses a sealed deflate bomb instead of inflating it", async () => {
    const raw = Buffer.alloc(32, 5);
    const ctx = { room: "m-machine01", kind: "machine.info", mid: "m_bomb_000000000001" };
    // 2 MiB of one JSON string, deflated to a few KB, sealed by a key holder.
    const bomb = deflateRawSync(Buffer.from(JSON.stringify("a".repeat(2 * 1024 * 1024))));
    const { createCipheriv } = await import("node:crypto");
    const { bodyAad } = await import("../../shared/core/e2e/context.ts");
    const nonce = Buffer.alloc(12, 1);
    const cipher = createCipheriv("aes-256-gcm", raw, nonce);
    cipher.setAAD(bodyAad(ctx, 1));
    const c = Buffer.concat([cipher.update(bomb), cipher.final(), cipher.getAuthTag()]);
    const sealed = { e2e: 1, k: 1, n: nonce.toString("base64url"), c: c.toString("base64url"), z: 1 };
    expect(openBodySync(() => raw, ctx, sealed)).toEqual({ ok: false, reason: "bad_plaintext" });
    expect(await openBody(async () => importRoomKey(new Uint8Array(raw)), ctx, sealed)).toEqual({
      ok: false,
      reason: "bad_plaintext",
    });
  });
});
