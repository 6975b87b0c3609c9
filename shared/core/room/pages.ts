import { Limits } from "../../protocol/index.ts";
import type { LogRow } from "./room-store.ts";

/**
 * Serialises stored rows into `msgs` frames of at most 500 items and 256 KiB each (a single item
 * may exceed the byte cap on its own). Bodies are stored as JSON text and spliced in unparsed.
 */
export function msgsPages(rows: readonly LogRow[]): string[] {
  const pages: string[] = [];
  let items: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    const item = itemJson(row);
    const size = itemBytes(row, item);
    if (items.length > 0 && (items.length >= Limits.pageItems || bytes + size > Limits.pageBytes)) {
      pages.push(`{"t":"msgs","items":[${items.join(",")}]}`);
      items = [];
      bytes = 0;
    }
    items.push(item);
    bytes += size;
  }
  if (items.length > 0) pages.push(`{"t":"msgs","items":[${items.join(",")}]}`);
  return pages;
}

/** The newest rows that fit one page, for `history` answers (which may hold fewer than asked). */
export function newestThatFit(rows: readonly LogRow[]): LogRow[] {
  let bytes = 0;
  let start = rows.length;
  while (start > 0) {
    const row = rows[start - 1]!;
    const size = itemBytes(row, itemJson(row));
    if (rows.length - start >= Limits.pageItems) break;
    if (start < rows.length && bytes + size > Limits.pageBytes) break;
    bytes += size;
    start--;
  }
  return rows.slice(start);
}

export function historyJson(rows: readonly LogRow[], low: number): string {
  return `{"t":"history","items":[${rows.map(itemJson).join(",")}],"low":${low}}`;
}

export function itemJson(row: LogRow): string {
  return (
    `{"seq":${row.seq},"mid":${JSON.stringify(row.mid)},"cid":${JSON.stringify(row.cid)},` +
    `"role":"${row.role}","kind":${JSON.stringify(row.kind)},"body":${row.body},"ts":${row.ts}}`
  );
}

/** Envelope fields are ASCII by their regexes, so only the body needs a byte count. */
function itemBytes(row: LogRow, item: string): number {
  return item.length - row.body.length + row.size;
}
