import {
  type AttachmentChunk,
  AttachmentLimits,
  type AttachmentRef,
  chunkCount,
  isImage,
} from "../../protocol/attachment.ts";
import { loadPrimitives } from "../e2e/load-primitives.ts";

/**
 * Attachments cut into chunk bodies and put together again (docs/protocol.md §9.5.1). Pure and
 * runtime-neutral (btoa/atob, SHA-256 from WebCrypto or, on a page without it, its pure-JavaScript
 * twin), so the phone splits and the bridge assembles with the same code.
 */

/** The chunk bodies that carry `bytes` as attachment `id`, in order. */
export function split(id: string, bytes: Uint8Array): AttachmentChunk[] {
  const size = AttachmentLimits.chunkBytes;
  const count = chunkCount(bytes.length);
  const chunks: AttachmentChunk[] = [];
  for (let index = 0; index < count; index++) {
    const data = toBase64(bytes.subarray(index * size, (index + 1) * size));
    chunks.push({ id, index, count, data });
  }
  return chunks;
}

/** What the manifest needs: the file's byte count, sha256 and chunk count. */
export async function describe(
  bytes: Uint8Array,
): Promise<Pick<AttachmentRef, "bytes" | "sha256" | "chunks">> {
  return { bytes: bytes.length, sha256: await sha256Hex(bytes), chunks: chunkCount(bytes.length) };
}

export type AssembleFailure =
  /** Some chunks never came (or not with this attachment's chunk count). */
  | { ok: false; reason: "missing"; missing: number[] }
  | { ok: false; reason: "size"; bytes: number }
  | { ok: false; reason: "hash" }
  /** A text attachment whose bytes are not UTF-8. */
  | { ok: false; reason: "encoding" };

export type Assembled = { ok: true; bytes: Uint8Array<ArrayBuffer> } | AssembleFailure;

/**
 * The attachment `ref` names, put together from `chunks` (any order; chunks of other attachments
 * and repeated indexes are ignored, the first of an index counts), checked against its byte count
 * and sha256, and for a text type, UTF-8.
 */
export async function assemble(ref: AttachmentRef, chunks: readonly AttachmentChunk[]): Promise<Assembled> {
  const joined = join(ref, chunks);
  if (!joined.ok) return joined;
  if ((await sha256Hex(joined.bytes)) !== ref.sha256) return { ok: false, reason: "hash" };
  return joined;
}

/**
 * `assemble` without the sha256 check, synchronous: a caller with a synchronous hash (the
 * bridge's node:crypto) checks `ref.sha256` itself.
 */
export function join(ref: AttachmentRef, chunks: readonly AttachmentChunk[]): Assembled {
  const byIndex = new Map<number, string>();
  for (const c of chunks)
    if (c.id === ref.id && c.count === ref.chunks && !byIndex.has(c.index)) byIndex.set(c.index, c.data);
  const missing: number[] = [];
  for (let i = 0; i < ref.chunks; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) return { ok: false, reason: "missing", missing };
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < ref.chunks; i++) {
    const part = fromBase64(byIndex.get(i) ?? "");
    if (part === null) return { ok: false, reason: "hash" };
    parts.push(part);
    total += part.length;
  }
  if (total !== ref.bytes) return { ok: false, reason: "size", bytes: total };
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  if (!isImage(ref.mediaType) && !isUtf8(bytes)) return { ok: false, reason: "encoding" };
  return { ok: true, bytes };
}

/** Words for a failure, naming the attachment: what a session.notice says. */
export function failureText(ref: AttachmentRef, f: AssembleFailure): string {
  const name = `"${ref.name}"`;
  switch (f.reason) {
    case "missing":
      return `Not sent to Claude: ${f.missing.length} of ${ref.chunks} parts of ${name} did not arrive; send it again.`;
    case "size":
      return `Not sent to Claude: ${name} arrived with ${f.bytes} bytes instead of ${ref.bytes}; send it again.`;
    case "hash":
      return `Not sent to Claude: ${name} arrived damaged (its checksum does not match); send it again.`;
    case "encoding":
      return `Not sent to Claude: ${name} is not UTF-8 text.`;
  }
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | Uint8Array): Promise<string> {
  const digest = await (await loadPrimitives()).sha256(new Uint8Array(bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(binary);
}

/** Null for text that is not base64 (a stored body is trusted only after its schema and this). */
function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
