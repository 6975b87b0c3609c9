import { createHash } from "node:crypto";
import type { SDKUserMessage } from "@anthropic-ai/claude-agent-sdk";
import { failureText, join } from "../../shared/core/attachments/chunks.ts";
import { AttachmentChunk, type AttachmentRef, isImage } from "../../shared/protocol/attachment.ts";
import type { Registry } from "./registry.ts";

/** What Claude gets as one user message: the text, or the text and its attachments as blocks. */
export type UserContent = SDKUserMessage["message"]["content"];
type Block = Exclude<UserContent, string>[number];
type ImageBlock = Extract<Block, { type: "image" }>;
type TextBlock = Extract<Block, { type: "text" }>;

type Checked = { ok: true; files: { ref: AttachmentRef; bytes: Uint8Array }[] } | { ok: false; text: string };

/**
 * Every attachment of a message put together from the room's chunks and checked (byte count,
 * sha256, UTF-8 for text); the first failure names its attachment (docs/protocol.md §9.5.1).
 */
export function checkAttachments(
  refs: readonly AttachmentRef[],
  chunks: readonly AttachmentChunk[],
): Checked {
  const files: { ref: AttachmentRef; bytes: Uint8Array }[] = [];
  for (const ref of refs) {
    const joined = join(ref, chunks);
    if (!joined.ok) return { ok: false, text: failureText(ref, joined) };
    if (createHash("sha256").update(joined.bytes).digest("hex") !== ref.sha256)
      return { ok: false, text: failureText(ref, { ok: false, reason: "hash" }) };
    files.push({ ref, bytes: joined.bytes });
  }
  return { ok: true, files };
}

/**
 * The content of the one user message Claude gets: the text, then an image block per image and a
 * text block per text file, in the manifest's order. Text files go into the prompt, not onto disk:
 * Claude reads them once, nothing is left in the session's folder, and it works for any folder.
 */
export function userContent(
  text: string,
  files: readonly { ref: AttachmentRef; bytes: Uint8Array }[],
): UserContent {
  if (files.length === 0) return text;
  const blocks: (TextBlock | ImageBlock)[] = [];
  if (text.trim().length > 0) blocks.push({ type: "text", text });
  for (const { ref, bytes } of files) {
    const mediaType = ref.mediaType;
    if (isImage(mediaType)) {
      const data = Buffer.from(bytes).toString("base64");
      const image: ImageBlock = { type: "image", source: { type: "base64", media_type: mediaType, data } };
      blocks.push(image);
    } else {
      const body = new TextDecoder().decode(bytes);
      blocks.push({ type: "text", text: `Attached file "${ref.name}" (${mediaType}):\n\n${body}` });
    }
  }
  return blocks;
}

/** The chunks and manifests a session room keeps in the registry (§9.5.1). */
type Kept = Pick<Registry, "addChunk" | "chunks" | "inputAttachments">;

/** Keeps an applied chunk; a malformed one is not kept (the message naming it is refused as incomplete). */
export function keepChunk(registry: Kept, room: string, body: unknown): void {
  const chunk = AttachmentChunk.safeParse(body).data;
  if (chunk) registry.addChunk(room, chunk);
}

/** `refs` put together from the chunks the registry keeps for `room`, and checked. */
export function keptFiles(registry: Kept, room: string, refs: readonly AttachmentRef[]): Checked {
  return checkAttachments(
    refs,
    registry.chunks(
      room,
      refs.map((r) => r.id),
    ),
  );
}

/**
 * What Claude gets for input `mid`: its text and files, checked again from the chunks kept since it
 * was accepted. A failure here throws: the turn ends as error_bridge, loudly.
 */
export function inputContent(registry: Kept, room: string, text: string, mid: string): UserContent {
  const checked = keptFiles(registry, room, registry.inputAttachments(mid));
  if (!checked.ok) throw new Error(checked.text);
  return userContent(text, checked.files);
}

/** A body that names attachments at all (so one that fails its schema is an attachment failure). */
export function namesAttachments(body: unknown): boolean {
  return typeof body === "object" && body !== null && "attachments" in body;
}
