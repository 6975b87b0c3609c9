import { z } from "zod";
import { plainText } from "./text.ts";

/**
 * Attachments (docs/protocol.md §9.5.1): a photo or a text file travels in the session room as
 * `attachment.chunk` messages, then the `user.message` that names it in `attachments` makes the
 * bridge put it together and hand it to Claude with the text.
 */

export const AttachmentLimits = {
  /**
   * Bytes of one chunk before base64. Its base64 (256,000 chars) and the rest of the body stay
   * under the 256 KiB body cap (192 KiB would not: its base64 alone is exactly 256 KiB).
   */
  chunkBytes: 192_000,
  perMessage: 10,
  nameChars: 200,
  /**
   * An image after the phone shrank it: 3.75 MiB, whose base64 is the Messages API's 5 MiB per
   * image. Claude Code re-encodes a larger image as JPEG itself, so within this cap Claude gets
   * the very bytes the phone sent.
   */
  imageBytes: 3_932_160,
  /** About Claude's whole context of text: a larger file could only fail its turn. */
  textBytes: 1000 * 1000,
  /** A preview's data URL: ten of them leave most of a body for the text. */
  thumbChars: 12_000,
} as const;

export const ImageMediaType = z.enum(["image/png", "image/jpeg", "image/gif", "image/webp"]);
export type ImageMediaType = z.infer<typeof ImageMediaType>;

/** Any `text/…` type, and the few `application/…` types that are text. */
export const TextMediaType = z.union([
  z.string().regex(/^text\/[a-z0-9][a-z0-9.+-]{0,62}$/),
  z.enum(["application/json", "application/xml", "application/yaml", "application/toml"]),
]);

export const AttachmentMediaType = z.union([ImageMediaType, TextMediaType]);
export type AttachmentMediaType = z.infer<typeof AttachmentMediaType>;

export function isImage(mediaType: string): mediaType is ImageMediaType {
  return ImageMediaType.safeParse(mediaType).success;
}

/** Chosen by the sender, random: it names the attachment in its chunks and in the manifest. */
export const AttachmentId = z.string().regex(/^[A-Za-z0-9_-]{12,40}$/);

/**
 * A preview of an image as a data URL of a raster type (never SVG: nothing that can hold a
 * script), at most `AttachmentLimits.thumbChars`; the app makes it about 160 px on its long side.
 */
export const Thumb = z
  .string()
  .max(AttachmentLimits.thumbChars)
  .regex(/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/);

/** How many chunks `bytes` bytes make (at least one). */
export function chunkCount(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / AttachmentLimits.chunkBytes));
}

const maxBytes = Math.max(AttachmentLimits.imageBytes, AttachmentLimits.textBytes);
const maxChunks = chunkCount(maxBytes);
const maxData = Math.ceil(AttachmentLimits.chunkBytes / 3) * 4;

/** `data`: standard base64 (with padding) of the chunk's bytes. */
export const AttachmentChunk = z.object({
  id: AttachmentId,
  index: z
    .number()
    .int()
    .min(0)
    .max(maxChunks - 1),
  count: z.number().int().min(1).max(maxChunks),
  data: z
    .string()
    .max(maxData)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/),
});
export type AttachmentChunk = z.infer<typeof AttachmentChunk>;

/**
 * One attachment as the user.message names it: `bytes` and `sha256` (lowercase hex) of the whole
 * file, `chunks` how many chunks carry it (`chunkCount(bytes)`).
 */
export const AttachmentRef = z
  .object({
    id: AttachmentId,
    name: plainText(AttachmentLimits.nameChars).min(1),
    mediaType: AttachmentMediaType,
    bytes: z.number().int().min(1).max(maxBytes),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    chunks: z.number().int().min(1).max(maxChunks),
    /** A small preview every device shows (viewers too); Claude never gets it. */
    thumb: Thumb.optional(),
  })
  .refine((a) => a.chunks === chunkCount(a.bytes), { message: "chunks must be chunkCount(bytes)" })
  .refine((a) => !isImage(a.mediaType) || a.bytes <= AttachmentLimits.imageBytes, {
    message: `an image is at most ${AttachmentLimits.imageBytes} bytes`,
  })
  .refine((a) => isImage(a.mediaType) || a.bytes <= AttachmentLimits.textBytes, {
    message: `a text file is at most ${AttachmentLimits.textBytes} bytes`,
  });
export type AttachmentRef = z.infer<typeof AttachmentRef>;

export const Attachments = z
  .array(AttachmentRef)
  .min(1)
  .max(AttachmentLimits.perMessage)
  .refine((list) => new Set(list.map((a) => a.id)).size === list.length, { message: "ids must differ" });

/**
 * The mid of chunk `index` of attachment `id`: the same for every resend, so the relay only
 * dedupes a chunk sent again after a cut (§5.5). The index has no `_`, so (id, index) is read
 * back unambiguously; with ids of 12–40 chars the mid has 17–47, a valid Mid.
 */
export function chunkMid(id: string, index: number): string {
  return `at_${id}_${index}`;
}
