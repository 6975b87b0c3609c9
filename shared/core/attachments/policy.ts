import { AttachmentLimits, isImage, TextMediaType } from "../../protocol/attachment.ts";
import { stripControlChars } from "../util/text.ts";

/**
 * What the phone decides about a file before anything is queued (docs/protocol.md §9.5.1): is it
 * an image or text, how far an image is shrunk, and the typed refusal for everything else. Pure,
 * so the rules are tested without a browser.
 */

/** Claude's recommended long side: larger images are scaled down by the API anyway. */
export const IMAGE_LONG_SIDE = 1568;

export type RefusalCode = "too_large" | "unsupported_type" | "too_many" | "unreadable" | "empty";

/** A file the app will not send, and why, in words for the screen (typed, never thrown). */
export type Refusal = { code: RefusalCode; name: string; text: string };

/** Extensions a phone's picker often reports with no type or `application/octet-stream`. */
const TEXT_EXTENSIONS: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  toml: "application/toml",
  xml: "application/xml",
  html: "text/html",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  ts: "text/plain",
  tsx: "text/plain",
  jsx: "text/plain",
  py: "text/x-python",
  rs: "text/plain",
  go: "text/plain",
  java: "text/plain",
  c: "text/plain",
  h: "text/plain",
  cpp: "text/plain",
  sh: "text/x-shellscript",
  sql: "text/plain",
  diff: "text/x-diff",
  patch: "text/x-diff",
  ini: "text/plain",
  conf: "text/plain",
  env: "text/plain",
};

export type Kind =
  | { kind: "image"; mediaType: string }
  | { kind: "text"; mediaType: string }
  | { kind: "other" };

/**
 * How a file is treated from its name and the type the browser reported. An image type the API
 * does not take (HEIC, BMP, …) is still an image: the app redraws it as JPEG if the browser can
 * decode it, and refuses it otherwise.
 */
export function classify(name: string, type: string): Kind {
  const mediaType = type.toLowerCase().split(";")[0]?.trim() ?? "";
  if (mediaType.startsWith("image/") && mediaType !== "image/svg+xml") return { kind: "image", mediaType };
  if (TextMediaType.safeParse(mediaType).success) return { kind: "text", mediaType };
  if (
    mediaType === "" ||
    mediaType === "application/octet-stream" ||
    mediaType.startsWith("application/x-")
  ) {
    const byExt = TEXT_EXTENSIONS[extension(name)];
    if (byExt) return { kind: "text", mediaType: byExt };
  }
  return { kind: "other" };
}

/** Whether an image is sent as it is: a type the API takes, within the long side and the byte cap. */
export function sendsAsIs(mediaType: string, width: number, height: number, bytes: number): boolean {
  return (
    isImage(mediaType) && Math.max(width, height) <= IMAGE_LONG_SIDE && bytes <= AttachmentLimits.imageBytes
  );
}

/** The size an image is drawn at: its long side at most `IMAGE_LONG_SIDE`, the aspect kept. */
export function fitWithin(
  width: number,
  height: number,
  longSide = IMAGE_LONG_SIDE,
): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * What a redrawn image aims at: Claude Code re-encodes anything larger as a JPEG within this budget
 * before the model sees it (measured on 2.1.330), so aiming here saves the phone's data and a
 * second lossy pass. An image that fits the API's cap without a redraw is sent as it is.
 */
export const REDRAW_TARGET_BYTES = 512_000;

/** Encodings tried in turn for a redrawn image until one fits the byte cap. */
export function encodings(source: string): { type: "image/png" | "image/jpeg"; quality?: number }[] {
  const jpeg = [0.85, 0.7, 0.5].map((quality) => ({ type: "image/jpeg" as const, quality }));
  // Screenshots (PNG, GIF) keep sharp text as PNG when that fits; photos go to JPEG at once.
  return source === "image/png" || source === "image/gif" ? [{ type: "image/png" }, ...jpeg] : jpeg;
}

export function refusal(code: RefusalCode, name: string): Refusal {
  return { code, name, text: refusalText(code, name) };
}

function refusalText(code: RefusalCode, name: string): string {
  const quoted = `"${name}"`;
  switch (code) {
    case "too_large":
      return `${quoted} is too large: images up to ${sizeText(AttachmentLimits.imageBytes)} after shrinking, text files up to ${sizeText(AttachmentLimits.textBytes)}.`;
    case "unsupported_type":
      return `${quoted} cannot be sent: only images (PNG, JPEG, GIF, WebP or a photo the browser can open) and text files.`;
    case "too_many":
      return `${quoted} was not added: at most ${AttachmentLimits.perMessage} files per message.`;
    case "unreadable":
      return `${quoted} could not be read on this device (not a readable image, or not UTF-8 text).`;
    case "empty":
      return `${quoted} is empty.`;
  }
}

/** A file name made fit for the manifest: no control characters, at most the name cap (UTF-16 units). */
export function cleanName(name: string): string {
  let out = "";
  for (const ch of stripControlChars(name).trim() || "file") {
    if (out.length + ch.length > AttachmentLimits.nameChars) break;
    out += ch;
  }
  return out;
}

/** "1.2 MB", "340 KB", "12 B": sizes for people. */
export function sizeText(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1000) return `${Math.round(bytes / 1000)} KB`;
  return `${bytes} B`;
}

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}
