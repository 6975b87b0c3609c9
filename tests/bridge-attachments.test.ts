import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describe as describeFile, split } from "../shared/core/attachments/chunks.ts";
import {
  type AckItem,
  type AttachmentChunk,
  type AttachmentRef,
  chunkMid,
} from "../shared/protocol/index.ts";
import { type Phone, until } from "./support/bridge-world.ts";
import type { ContentPart, MessagesRequest } from "./support/model-scripts/types.ts";
import { noisePng, sha256 } from "./support/png.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// Issue 13, at the wire: a photo and a text file travel as attachment.chunk messages through the
// real relay, the real bridge puts them together, and the real Claude Code CLI hands them to the
// (scripted) model with their message, exactly once. Only the model is scripted.
const world = useBridgeWorld();

describe("attachments", () => {
  it("a 1 MB photo and a log reach Claude with their message, as one image block and one text block, exactly once", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "photo" });
    const photo = noisePng(660, 500);
    const log = buildLog();
    const image = await upload(s, photo, "screen.png", "image/png");
    const file = await upload(s, new TextEncoder().encode(log), "build.log", "text/plain");
    expect(image.bytes).toBeGreaterThan(980_000);
    expect(image.chunks).toBe(6);

    const before = w.model.turns().length;
    const text = "What went wrong in this build?";
    const input = await s.send("user.message", { text, attachments: [image, file] });
    expect((await s.wait("turn.result", (t) => t.inputMid === input, 60_000)).ok).toBe(true);

    const first = w.model.turns()[before];
    if (!first) throw new Error("no conversation request for the message");
    const parts = lastUser(first.body);
    expect(parts.filter((p) => p.type === "text" && p.text === text)).toHaveLength(1);
    const logBlocks = parts.filter((p) => p.type === "text" && p.text?.includes(log));
    expect(logBlocks).toHaveLength(1);
    expect(logBlocks[0]?.text).toContain('"build.log"');
    // Claude Code got exactly the photo's bytes: it keeps what it was given in a file it names.
    const images = parts.flatMap(imageOf);
    expect(images).toHaveLength(1);
    expect(sha256(readFileSync(imageSource(parts)))).toBe(image.sha256);
    // What it sends the model is the same picture, re-encoded to fit its 512 KB budget per image.
    const sent = Buffer.from(images[0]?.source.data ?? "", "base64");
    expect(sent.length).toBeLessThanOrEqual(CLI_IMAGE_BUDGET);
    expect(dimensions(sent, images[0]?.source.media_type)).toEqual({ width: 660, height: 500 });

    // The next turn carries the photo in its history, but never again as what the user just sent.
    const next = await s.send("user.message", { text: "thanks" });
    expect((await s.wait("turn.result", (t) => t.inputMid === next)).ok).toBe(true);
    const later = w.model.turns().at(-1)?.body;
    expect(later?.messages.flatMap((m) => partsOf(m.content)).flatMap(imageOf)).toHaveLength(1);
    const sending = w.model.turns().filter((r) =>
      lastUser(r.body)
        .flatMap(imageOf)
        .some((i) => dimensions(Buffer.from(i.source.data, "base64"), i.source.media_type)?.width === 660),
    );
    expect(sending).toHaveLength(1);
    expect(w.model.turns().filter((r) => lastUser(r.body).some((p) => p.text?.includes(log)))).toHaveLength(
      1,
    );
    expect(s.of("session.notice")).toEqual([]);
    // Once its turn is done, the bridge keeps none of the chunks.
    await until(() => (keptChunks(w.stateDir, s.room) === 0 ? true : null), 10_000, "the chunks dropped");
  }, 120_000);

  it("chunks sent again after a cut are deduped, and an upload split over two connections still reaches Claude once", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "cut" });
    // Under Claude Code's budget per image, so the model gets these very bytes.
    const photo = noisePng(400, 400);
    const ref = {
      id: attachmentId(),
      name: "cut.png",
      mediaType: "image/png",
      ...(await describeFile(photo)),
    };
    const chunks = split(ref.id, photo);
    expect(chunks).toHaveLength(3);

    // The first connection gets half the chunks stored, then the phone loses it.
    const half = Math.floor(chunks.length / 2);
    const firstAcks = await sendChunks(s, chunks.slice(0, half));
    expect(firstAcks.every((a) => a.dup === undefined)).toBe(true);
    await s.client.close(1001, "cut");

    // Back on a new socket, its outbox does not know which acks were lost: it sends them all again.
    const again = await w.phone(s.room, s.cid);
    const acks = await sendChunks(again, chunks);
    expect(acks.map((a) => a.dup === true)).toEqual(chunks.map((_, i) => i < half));
    expect(acks.slice(0, half).map((a) => a.seq)).toEqual(firstAcks.map((a) => a.seq));

    const before = w.model.turns().length;
    const mid = `m_${randomBytes(12).toString("base64url")}`;
    // Sealed once, as the phone's outbox keeps it: the resend is the very same bytes.
    const body = await again.sealFor("user.message", mid, { text: "look", attachments: [ref] });
    const message = { mid, kind: "user.message", body };
    expect(await again.client.send([message])).toMatchObject({ status: "acked", refused: [] });
    const resent = await again.client.send([message]);
    expect(resent).toMatchObject({ status: "acked", acks: [{ mid, dup: true }] });
    expect((await again.wait("turn.result", (t) => t.inputMid === mid, 60_000)).ok).toBe(true);

    expect(again.bodies("turn.started").filter((t) => t.inputMid === mid)).toHaveLength(1);
    expect(turnsSending(w.model.turns().slice(before), ref.sha256)).toBe(1);
    const shown = w.model.turns()[before];
    expect(shown ? lastUser(shown.body).flatMap(imageOf) : []).toMatchObject([
      { source: { media_type: "image/png" } },
    ]);
    expect(again.of("attachment.chunk")).toHaveLength(chunks.length);
    expect(again.of("session.notice")).toEqual([]);
  }, 120_000);

  it("a message whose attachment is incomplete gets attachment_failed naming the file and never runs; the session carries on", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "missing" });
    const photo = noisePng(400, 300);
    const ref = {
      id: attachmentId(),
      name: "half.png",
      mediaType: "image/png",
      ...(await describeFile(photo)),
    };
    const chunks = split(ref.id, photo);
    const lost = 1;
    await sendChunks(
      s,
      chunks.filter((c) => c.index !== lost),
    );

    const before = w.model.turns().length;
    const text = "what is in half.png?";
    const input = await s.send("user.message", { text, attachments: [ref] });
    const notice = await s.wait("session.notice", (n) => n.inputMid === input);
    expect(notice).toMatchObject({ level: "warn", code: "attachment_failed" });
    expect(notice.text).toContain('"half.png"');
    expect(notice.text).toContain(`1 of ${chunks.length} parts`);

    // The session stays usable: the next message runs, and the refused one never did.
    const plain = await s.send("user.message", { text: "just text" });
    expect((await s.wait("turn.result", (t) => t.inputMid === plain)).ok).toBe(true);
    const shown = w.model.turns().slice(before);
    expect(
      shown.some((r) => r.body.messages.some((m) => partsOf(m.content).some((p) => p.text === text))),
    ).toBe(false);
    expect(shown.flatMap((r) => lastUser(r.body)).flatMap(imageOf)).toEqual([]);
    expect(s.bodies("turn.started").map((t) => t.inputMid)).toEqual([plain]);

    // Sent again, with the missing part, the photo goes through: the parts that came were kept.
    const missing = chunks[lost];
    if (!missing) throw new Error("the photo has no chunk to lose");
    await sendChunks(s, [missing]);
    const retry = await s.send("user.message", { text, attachments: [ref] });
    expect((await s.wait("turn.result", (t) => t.inputMid === retry, 60_000)).ok).toBe(true);
    expect(turnsSending(w.model.turns().slice(before), ref.sha256)).toBe(1);
  }, 120_000);

  it("ending the session drops the chunks the bridge kept for it, and keeps none that arrive after", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "ending" });
    const photo = noisePng(300, 300);
    const id = attachmentId();
    const chunks = split(id, photo);
    await sendChunks(s, chunks);
    // No message names them yet: the bridge keeps them for one.
    await until(
      () => (keptChunks(w.stateDir, s.room) === chunks.length ? true : null),
      30_000,
      () => `${chunks.length} chunks kept (have ${keptChunks(w.stateDir, s.room)})`,
    );

    await machine.send("machine.end_session", { room: s.room });
    await s.wait("session.status", (b) => b.state === "ended");
    expect(keptChunks(w.stateDir, s.room)).toBe(0);

    // A phone still uploading into the ended session: its chunks are not kept either. The bridge
    // handles the room's messages in order, so once it has answered the message, it has seen the chunk.
    const late = split(attachmentId(), new TextEncoder().encode("late notes\n"));
    await sendChunks(s, late);
    const after = await s.send("user.message", { text: "still there?" });
    expect(await s.wait("session.notice", (n) => n.inputMid === after)).toMatchObject({
      code: "session_ended",
    });
    expect(keptChunks(w.stateDir, s.room)).toBe(0);
  }, 120_000);
});

/**
 * Claude Code (2.1.330) sends an image of more bytes than this re-encoded to fit (a JPEG of the same
 * size in pixels); one within it goes to the model as it came.
 */
const CLI_IMAGE_BUDGET = 512_000;

const ImageBlock = z.object({
  type: z.literal("image"),
  source: z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
});
type ImageBlock = z.infer<typeof ImageBlock>;

function imageOf(part: ContentPart): ImageBlock[] {
  const parsed = ImageBlock.safeParse(part);
  return parsed.success ? [parsed.data] : [];
}

function partsOf(content: string | ContentPart[]): ContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** The file Claude Code keeps an image it was given in, from the text block it adds after it. */
function imageSource(parts: readonly ContentPart[]): string {
  const named = parts.flatMap((p) => /^\[Image: source: (.+)\]$/.exec(p.text ?? "")?.[1] ?? []);
  expect(named).toHaveLength(1);
  return named[0] ?? "";
}

/** Width and height of a PNG or JPEG, or null for bytes that are neither. */
function dimensions(bytes: Buffer, mediaType: string | undefined): { width: number; height: number } | null {
  if (mediaType === "image/png" && bytes.length >= 24)
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (mediaType !== "image/jpeg") return null;
  // JPEG: walk the marker segments to the frame header (SOF0–SOF15 but DHT, JPG and DAC).
  for (let at = 2; at + 9 <= bytes.length; at += 2 + bytes.readUInt16BE(at + 2)) {
    const marker = bytes[at + 1] ?? 0;
    if (bytes[at] !== 0xff) return null;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
  }
  return null;
}

/** What the user just sent in a request: its last user message (earlier ones are history). */
function lastUser(body: MessagesRequest): ContentPart[] {
  const last = body.messages.filter((m) => m.role === "user").at(-1);
  return last ? partsOf(last.content) : [];
}

/** How many requests send the image with this sha256 as what the user just sent. */
function turnsSending(requests: readonly { body: MessagesRequest }[], sha: string): number {
  return requests.filter((r) =>
    lastUser(r.body)
      .flatMap(imageOf)
      .some((i) => sha256(Buffer.from(i.source.data, "base64")) === sha),
  ).length;
}

/** Uploads `bytes` as an attachment of a message yet to be sent; returns what the message names. */
async function upload(p: Phone, bytes: Uint8Array, name: string, mediaType: string): Promise<AttachmentRef> {
  const id = attachmentId();
  await sendChunks(p, split(id, bytes));
  return { id, name, mediaType, ...(await describeFile(bytes)) };
}

/** Sends each chunk under its own mid, one frame each (as the phone's outbox does), until stored. */
async function sendChunks(p: Phone, chunks: readonly AttachmentChunk[]): Promise<AckItem[]> {
  const acks: AckItem[] = [];
  for (const c of chunks) {
    const mid = chunkMid(c.id, c.index);
    const r = await p.client.send([
      { mid, kind: "attachment.chunk", body: await p.sealFor("attachment.chunk", mid, c) },
    ]);
    if (r.status !== "acked" || r.refused.length > 0)
      throw new Error(`chunk ${c.index} not stored: ${r.status === "acked" ? r.refused[0]?.code : r.status}`);
    acks.push(...r.acks);
  }
  return acks;
}

/** The chunks the bridge keeps for `room`, read from its registry while it runs. */
function keptChunks(stateDir: string, room: string): number {
  const db = new DatabaseSync(join(stateDir, "sessions.db"), { readOnly: true, timeout: 5_000 });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM attachment_chunks WHERE room = ?").get(room);
    return Number(row?.n);
  } finally {
    db.close();
  }
}

function attachmentId(): string {
  return `att_${randomBytes(12).toString("base64url")}`;
}

/** A build log of a few KB, with a line the model should notice. */
function buildLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 60; i++)
    lines.push(`2026-12-01T10:00:${String(i).padStart(2, "0")}Z INFO worker-${i % 4} compiled module ${i}`);
  lines.push("2026-12-01T10:01:00Z ERROR linker: undefined symbol `tether_attach_v2`");
  return `${lines.join("\n")}\n`;
}
