/** Keeps text within a byte budget so a message body fits the relay's 256 KiB limit. */
export function clip(text: string, maxBytes = 200_000): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return { text, truncated: false };
  let cut = Math.min(text.length, maxBytes);
  while (Buffer.byteLength(text.slice(0, cut), "utf8") > maxBytes) cut = Math.floor(cut * 0.9);
  return { text: text.slice(0, cut), truncated: true };
}
