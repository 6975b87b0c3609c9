/**
 * Text a person types that others see in a terminal or a page: labels, names, titles. A terminal
 * acts on control characters (ESC starts OSC 52, which writes the clipboard), and bidi overrides
 * reorder what is shown, so none of them may enter (docs/protocol.md §2.1).
 */

/** C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates. */
export function isControlChar(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControlChar(text.charCodeAt(i))) return true;
  return false;
}

/** For output: each line break or tab becomes a space, every other control character is dropped. */
export function stripControlChars(text: string): string {
  if (!hasControlChars(text)) return text;
  let out = "";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code === 0x09 || code === 0x0a || code === 0x0d) out += " ";
    else if (!isControlChar(code)) out += ch;
  }
  return out;
}

/** As `stripControlChars`, keeping the line breaks of a multi-line message. */
export function stripControlCharsByLine(text: string): string {
  return text.split("\n").map(stripControlChars).join("\n");
}
