/** Keeps text within a byte budget so a message body fits the relay's 256 KiB limit. */
export function clip(text: string, maxBytes = 200_000): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return { text, truncated: false };
  let cut = Math.min(text.length, maxBytes);
  while (Buffer.byteLength(text.slice(0, cut), "utf8") > maxBytes) cut = Math.floor(cut * 0.9);
  return { text: text.slice(0, cut), truncated: true };
}

/**
 * Keeps a tool input (a Write's content, say) within budget by shortening its long strings, so a
 * permission prompt or tool card always reaches the phone.
 */
export function clipValue(value: unknown, maxBytes = 200_000): { value: unknown; truncated: boolean } {
  if (Buffer.byteLength(JSON.stringify(value) ?? "", "utf8") <= maxBytes) return { value, truncated: false };
  const perString = 16_000;
  const shorten = (v: unknown): unknown => {
    if (typeof v === "string") return v.length > perString ? `${v.slice(0, perString)}… [truncated]` : v;
    if (Array.isArray(v)) return v.slice(0, 200).map(shorten);
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.entries(v)
          .slice(0, 200)
          .map(([k, x]) => [k, shorten(x)]),
      );
    return v;
  };
  return { value: shorten(value), truncated: true };
}
