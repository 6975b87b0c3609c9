import {
  classify,
  cleanName,
  encodings,
  fitWithin,
  REDRAW_TARGET_BYTES,
  type Refusal,
  refusal,
  sendsAsIs,
} from "../../../shared/core/attachments/policy.ts";
import { AttachmentLimits, AttachmentMediaType, Thumb } from "../../../shared/protocol/attachment.ts";

/**
 * A picked, pasted or photographed file made ready to send (docs/protocol.md §9.5.1): an image
 * shrunk to what Claude accepts, a text file checked as UTF-8, each with its bytes in memory and,
 * for an image, a small preview. Anything else is a typed refusal; nothing here throws.
 */
export type Ready = {
  name: string;
  mediaType: AttachmentMediaType;
  bytes: Uint8Array<ArrayBuffer>;
  thumb?: string;
  /** Pixels sent, for an image (after shrinking). */
  size?: { width: number; height: number };
};

const THUMB_SIDE = 160;

export async function prepareFile(file: File): Promise<Ready | Refusal> {
  const name = cleanName(file.name);
  if (file.size === 0) return refusal("empty", name);
  const kind = classify(file.name, file.type);
  if (kind.kind === "other") return refusal("unsupported_type", name);
  if (kind.kind === "text") return prepareText(file, name, kind.mediaType);
  return prepareImage(file, name, kind.mediaType);
}

export function isRefusal(r: Ready | Refusal): r is Refusal {
  return "code" in r;
}

async function prepareText(file: File, name: string, type: string): Promise<Ready | Refusal> {
  const mediaType = AttachmentMediaType.safeParse(type).data;
  if (!mediaType) return refusal("unsupported_type", name);
  if (file.size > AttachmentLimits.textBytes) return refusal("too_large", name);
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return refusal("unreadable", name);
  }
  return { name, mediaType, bytes };
}

async function prepareImage(file: File, name: string, mediaType: string): Promise<Ready | Refusal> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // A type the browser cannot draw (HEIC on most, a broken file): nothing to send.
    return refusal("unsupported_type", name);
  }
  try {
    const { width, height } = bitmap;
    const thumb = await thumbnail(bitmap);
    const original = AttachmentMediaType.safeParse(mediaType).data;
    if (original && sendsAsIs(original, width, height, file.size)) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      return { name, mediaType: original, bytes, size: { width, height }, ...(thumb ? { thumb } : {}) };
    }
    const size = fitWithin(width, height);
    // The first encoding within the target wins; failing that, the first within the hard cap.
    let fallback: Ready | null = null;
    for (const enc of encodings(mediaType)) {
      const blob = await draw(bitmap, size, enc.type, enc.quality);
      if (!blob || blob.size > AttachmentLimits.imageBytes) continue;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const ready: Ready = {
        name: renamed(name, enc.type),
        mediaType: enc.type,
        bytes,
        size,
        ...(thumb ? { thumb } : {}),
      };
      if (blob.size <= REDRAW_TARGET_BYTES) return ready;
      fallback ??= ready;
    }
    if (fallback) return fallback;
    return refusal("too_large", name);
  } finally {
    bitmap.close();
  }
}

/** A preview of about 160 px as a JPEG data URL, or none if it would not fit the manifest. */
async function thumbnail(bitmap: ImageBitmap): Promise<string | undefined> {
  const size = fitWithin(bitmap.width, bitmap.height, THUMB_SIDE);
  for (const quality of [0.7, 0.45]) {
    const blob = await draw(bitmap, size, "image/jpeg", quality);
    if (!blob) return undefined;
    const url = await dataUrl(blob);
    if (Thumb.safeParse(url).success) return url;
  }
  return undefined;
}

async function draw(
  bitmap: ImageBitmap,
  size: { width: number; height: number },
  type: string,
  quality?: number,
): Promise<Blob | null> {
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  // JPEG has no transparency: a transparent screenshot gets white, not black, behind it.
  if (type === "image/jpeg") {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size.width, size.height);
  }
  ctx.drawImage(bitmap, 0, 0, size.width, size.height);
  try {
    return await canvas.convertToBlob(quality === undefined ? { type } : { type, quality });
  } catch {
    return null;
  }
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
    reader.onerror = () => resolve("");
    reader.readAsDataURL(blob);
  });
}

/** "IMG_0042.HEIC" sent as JPEG is named "IMG_0042.jpg". */
function renamed(name: string, type: string): string {
  const ext = type === "image/png" ? "png" : "jpg";
  const dot = name.lastIndexOf(".");
  const base = dot > 0 ? name.slice(0, dot) : name;
  return cleanName(`${base}.${ext}`);
}
