import { WorkspaceLimits } from "../../shared/protocol/index.ts";

/** A page cut from the front of a window: its text, the bytes it took, whether it ends the source. */
export type TextPage = { text: string; length: number; last: boolean };

/**
 * The escaped text of one answer stays under this, whatever it holds (a control character takes
 * six bytes in JSON), so the answer keeps well under the 256 KiB body limit.
 */
const JSON_BUDGET = 192 * 1024;

/**
 * Cuts the page at the front of `window` (the source's bytes from the page's start; `more`: the
 * source goes on after it): at most `max` bytes, ending after a newline when one falls in the
 * page's second half (whole lines read and page better), else before a character that would be
 * split. A window should hold 3 bytes past `max` for that test. Pure.
 */
export function cutPage(window: Buffer, more: boolean, max: number = WorkspaceLimits.pageBytes): TextPage {
  const end = Math.min(max, window.length);
  const last = !more && end === window.length;
  const length = last ? end : cutAt(window, end);
  const text = window.toString("utf8", 0, length);
  if (jsonBytes(text) > JSON_BUDGET && max > 1) return cutPage(window, more, Math.floor(max / 2));
  return { text, length, last };
}

/** Whether bytes hold a NUL, git's own test for a binary file. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.includes(0);
}

/**
 * An untracked file as git would show a new one: every line added, from /dev/null. Pure.
 */
export function addedDiff(path: string, content: string): string {
  const head = `diff --git a/${path} b/${path}\n--- /dev/null\n+++ b/${path}\n`;
  if (content === "") return head;
  const endsInNewline = content.endsWith("\n");
  const lines = (endsInNewline ? content.slice(0, -1) : content).split("\n");
  const body = lines.map((l) => `+${l}\n`).join("");
  const tail = endsInNewline ? "" : "\\ No newline at end of file\n";
  return `${head}@@ -0,0 +1${lines.length === 1 ? "" : `,${lines.length}`} @@\n${body}${tail}`;
}

function cutAt(window: Buffer, end: number): number {
  const newline = window.lastIndexOf(0x0a, end - 1);
  if (newline >= end / 2) return newline + 1;
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is not split.
  let cut = end;
  while (cut > 1 && end - cut < 3 && ((window[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}
