import { createHash, webcrypto } from "node:crypto";
import { expect, describe as group, it, vi } from "vitest";
import {
  AttachmentChunk,
  AttachmentLimits,
  AttachmentRef,
  Attachments,
  chunkCount,
  chunkMid,
} from "../../protocol/attachment.ts";
import { Mid } from "../../protocol/ids.ts";
import { Limits } from "../../protocol/limits.ts";
import { assemble, describe, failureText, sha256Hex, split } from "./chunks.ts";

const id = "att_0123456789ab";

function bytesOf(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function refOf(bytes: Uint8Array, mediaType = "image/png"): Promise<AttachmentRef> {
  return AttachmentRef.parse({ id, name: "photo.png", mediaType, ...(await describe(bytes)) });
}

group("split and assemble", () => {
  it("cut a file into chunk bodies that each fit the body cap, and put it back together", async () => {
    const bytes = bytesOf(AttachmentLimits.chunkBytes * 2 + 5);
    const chunks = split(id, bytes);
    expect(chunks.map((c) => [c.index, c.count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    for (const c of chunks) {
      expect(AttachmentChunk.parse(c)).toEqual(c);
      expect(new TextEncoder().encode(JSON.stringify(c)).length).toBeLessThan(Limits.plainBodyBytes);
    }
    const out = await assemble(await refOf(bytes), [...chunks].reverse());
    expect(out.ok && Buffer.from(out.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it("carries a small file in one chunk, and the hash is the file's SHA-256", async () => {
    const bytes = new TextEncoder().encode("abc");
    expect(split(id, bytes)).toEqual([{ id, index: 0, count: 1, data: "YWJj" }]);
    expect(await sha256Hex(bytes)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes the same on a page without WebCrypto (plain HTTP on a LAN address)", async () => {
    const getRandomValues = webcrypto.getRandomValues.bind(webcrypto);
    vi.stubGlobal("crypto", { getRandomValues });
    try {
      expect(globalThis.crypto.subtle).toBeUndefined();
      const bytes = bytesOf(AttachmentLimits.chunkBytes + 7);
      expect(await sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("names the chunks that did not come, ignoring other attachments' and other counts' chunks", async () => {
    const bytes = bytesOf(AttachmentLimits.chunkBytes * 2 + 1);
    const [a, , c] = split(id, bytes);
    if (!a || !c) throw new Error("three chunks expected");
    const other = split("other_0123456789", bytes)[1];
    const stale = { ...split(id, bytesOf(10))[0], index: 1 } as AttachmentChunk;
    const out = await assemble(await refOf(bytes), [a, c, ...(other ? [other] : []), stale]);
    expect(out).toEqual({ ok: false, reason: "missing", missing: [1] });
  });

  it("refuses bytes whose size or hash differ from the manifest, and text that is not UTF-8", async () => {
    const bytes = bytesOf(1000);
    const ref = await refOf(bytes);
    expect(await assemble({ ...ref, bytes: 999 }, split(id, bytes))).toEqual({
      ok: false,
      reason: "size",
      bytes: 1000,
    });
    const flipped = bytes.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(await assemble(ref, split(id, flipped))).toEqual({ ok: false, reason: "hash" });
    const notText = new Uint8Array([0x61, 0xff, 0x62]);
    expect(await assemble(await refOf(notText, "text/plain"), split(id, notText))).toEqual({
      ok: false,
      reason: "encoding",
    });
    const text = new TextEncoder().encode("héllo\n");
    const ok = await assemble(await refOf(text, "text/markdown"), split(id, text));
    expect(ok.ok).toBe(true);
  });

  it("says which attachment failed and why", async () => {
    const ref = await refOf(bytesOf(10));
    expect(failureText(ref, { ok: false, reason: "missing", missing: [0] })).toContain('"photo.png"');
    expect(failureText(ref, { ok: false, reason: "hash" })).toContain("damaged");
  });
});

group("the attachment schemas", () => {
  it("derive a valid mid from (id, index), different per chunk and the same on a resend", () => {
    const mids = [chunkMid("a".repeat(12), 0), chunkMid(`${"Z-_".repeat(13)}x`, 104)];
    for (const m of mids) expect(Mid.safeParse(m).success, m).toBe(true);
    expect(chunkMid(id, 1)).toBe(chunkMid(id, 1));
    expect(chunkMid(id, 1)).not.toBe(chunkMid(id, 2));
    expect(chunkMid("abcdefghijkl_1", 2)).not.toBe(chunkMid("abcdefghijkl", 12));
  });

  it("hold the limits: kinds, sizes, names, counts", async () => {
    const ref = await refOf(bytesOf(10));
    const ok = (v: object) => AttachmentRef.safeParse({ ...ref, ...v }).success;
    expect(ok({ mediaType: "text/x-python" })).toBe(true);
    expect(ok({ mediaType: "application/json" })).toBe(true);
    expect(ok({ mediaType: "image/svg+xml" })).toBe(false);
    expect(ok({ mediaType: "application/pdf" })).toBe(false);
    expect(ok({ name: "" })).toBe(false);
    expect(ok({ name: "a\nb" })).toBe(false);
    expect(ok({ name: "x".repeat(201) })).toBe(false);
    expect(ok({ chunks: 2 })).toBe(false);
    const sized = (bytes: number, mediaType: string) => ok({ bytes, chunks: chunkCount(bytes), mediaType });
    expect(sized(AttachmentLimits.imageBytes, "image/png")).toBe(true);
    expect(sized(AttachmentLimits.imageBytes + 1, "image/png")).toBe(false);
    expect(sized(AttachmentLimits.textBytes, "text/plain")).toBe(true);
    expect(sized(AttachmentLimits.textBytes + 1, "text/plain")).toBe(false);
    // Each kind has its own cap: a text file is not allowed an image's size, nor an image a text's.
    expect(sized(AttachmentLimits.imageBytes, "application/json")).toBe(false);
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ ...ref, id: `${id}${i}` }));
    expect(Attachments.safeParse(list(10)).success).toBe(true);
    expect(Attachments.safeParse(list(11)).success).toBe(false);
    expect(Attachments.safeParse([ref, ref]).success).toBe(false);
    expect(AttachmentChunk.safeParse({ id, index: 0, count: 1, data: "YW Jj" }).success).toBe(false);
  });
});
