import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { split } from "../../shared/core/attachments/chunks.ts";
import { AttachmentLimits, type AttachmentRef, chunkCount } from "../../shared/protocol/attachment.ts";
import { checkAttachments, userContent } from "./attachments.ts";
import { Registry } from "./registry.ts";

const room = "s-0123456789abcdefghij";

function refOf(id: string, bytes: Uint8Array, name: string, mediaType: string): AttachmentRef {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { id, name, mediaType, bytes: bytes.length, sha256, chunks: chunkCount(bytes.length) };
}

const image = new Uint8Array(AttachmentLimits.chunkBytes + 1000).map((_, i) => (i * 31) % 256);
const imageRef = refOf("img_0123456789ab", image, "photo.png", "image/png");
const text = new TextEncoder().encode("line one\nline two\n");
const textRef = refOf("txt_0123456789ab", text, "notes.md", "text/markdown");

describe("a message's attachments in the bridge", () => {
  it("are checked and become the text, an image block and a text block, in the manifest's order", () => {
    const chunks = [...split(imageRef.id, image), ...split(textRef.id, text)];
    const checked = checkAttachments([imageRef, textRef], chunks);
    if (!checked.ok) throw new Error(checked.text);
    const content = userContent("what is this?", checked.files);
    expect(content).toEqual([
      { type: "text", text: "what is this?" },
      {
        type: "image",
        source: { type: "base64", media_type: "image/png", data: Buffer.from(image).toString("base64") },
      },
      { type: "text", text: 'Attached file "notes.md" (text/markdown):\n\nline one\nline two\n' },
    ]);
    expect(userContent("  ", checked.files)).toHaveLength(2);
    expect(userContent("plain", [])).toBe("plain");
  });

  it("name the first attachment that did not arrive whole", () => {
    const [first] = split(imageRef.id, image);
    const missing = checkAttachments(
      [textRef, imageRef],
      [...split(textRef.id, text), ...(first ? [first] : [])],
    );
    expect(missing).toEqual({ ok: false, text: expect.stringContaining('1 of 2 parts of "photo.png"') });
    const wrong = checkAttachments([{ ...textRef, sha256: "0".repeat(64) }], split(textRef.id, text));
    expect(wrong).toEqual({ ok: false, text: expect.stringContaining('"notes.md" arrived damaged') });
  });
});

describe("the registry's chunks", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keep the first chunk of an index, per room, until the input naming them is done", () => {
    dir = mkdtempSync(join(tmpdir(), "tether-att-"));
    const r = new Registry(join(dir, "sessions.db"));
    const chunks = split(textRef.id, text);
    for (const c of chunks) r.addChunk(room, c);
    const [first] = chunks;
    if (!first) throw new Error("one chunk expected");
    r.addChunk(room, { ...first, data: "b3RoZXI=" });
    r.addChunk("s-another0123456789ab", first);
    expect(r.chunks(room, [textRef.id])).toEqual(chunks);
    expect(r.addInput(room, "m_0123456789abcdef", "see notes", "message", [textRef])).toBe(true);
    expect(r.inputs(room, "pending")[0]?.attachments).toEqual([textRef]);
    expect(r.inputAttachments("m_0123456789abcdef")).toEqual([textRef]);
    r.setInput("m_0123456789abcdef", "started");
    expect(r.chunks(room, [textRef.id])).toHaveLength(1);
    r.setInput("m_0123456789abcdef", "done");
    expect(r.chunks(room, [textRef.id])).toEqual([]);
    expect(r.chunks("s-another0123456789ab", [textRef.id])).toHaveLength(1);
  });

  it("of an ended session are dropped, every attachment's, and only that room's", () => {
    dir = mkdtempSync(join(tmpdir(), "tether-att-"));
    const r = new Registry(join(dir, "sessions.db"));
    const other = "s-another0123456789ab";
    for (const c of [...split(textRef.id, text), ...split(imageRef.id, image)]) r.addChunk(room, c);
    for (const c of split(textRef.id, text)) r.addChunk(other, c);
    expect(r.chunks(room, [textRef.id, imageRef.id])).toHaveLength(3);
    r.dropChunks(room);
    expect(r.chunks(room, [textRef.id, imageRef.id])).toEqual([]);
    expect(r.chunks(other, [textRef.id])).toEqual(split(textRef.id, text));
    r.close();
  });
});
