import { z } from "zod";
import { AttachmentLimits, AttachmentMediaType, Thumb } from "../../../shared/protocol/attachment.ts";
import type { Ready } from "./attach-prepare.ts";
import { kvDelete, kvGet, kvSet } from "./idb.ts";
import { ATTACH_DRAFT_KEY } from "./storage-keys.ts";

/**
 * The files picked for a room's message, kept in IndexedDB until Send queued them, so a phone
 * that drops the page meanwhile (the camera app, a long switch away) still has them. What is read
 * back is checked like any input: a damaged entry is left out, never trusted.
 */
const DraftFile = z.object({
  name: z.string().min(1).max(AttachmentLimits.nameChars),
  mediaType: AttachmentMediaType,
  bytes: z.instanceof(Uint8Array),
  thumb: Thumb.optional(),
  size: z.object({ width: z.number(), height: z.number() }).optional(),
});

export async function loadDraftFiles(room: string): Promise<Ready[]> {
  const stored = await kvGet(ATTACH_DRAFT_KEY + room).catch(() => undefined);
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((v) => {
    const f = DraftFile.safeParse(v).data;
    if (!f) return [];
    const ready: Ready = { name: f.name, mediaType: f.mediaType, bytes: new Uint8Array(f.bytes) };
    if (f.thumb) ready.thumb = f.thumb;
    if (f.size) ready.size = f.size;
    return [ready];
  });
}

/** Resolves once durable; an empty list removes the entry. */
export function saveDraftFiles(room: string, files: readonly Ready[]): Promise<void> {
  const key = ATTACH_DRAFT_KEY + room;
  return files.length > 0 ? kvSet(key, [...files]) : kvDelete(key);
}
