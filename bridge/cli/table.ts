import { stripControlChars } from "../../shared/protocol/index.ts";

/**
 * Left-aligned columns for the terminal, two spaces apart. Cells hold text from phones and the
 * relay (titles, labels), so control characters are stripped: an ESC could drive the terminal.
 */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((r) => r.map(stripControlChars));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return `${all
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
