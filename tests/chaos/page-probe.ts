import { z } from "zod";
import { StoredMsg } from "../../shared/protocol/index.ts";

/** What the chaos runner injects into the web app's page and reads back, all observation only. */

/**
 * Watches the app's IndexedDB from inside the page without changing it: every committed
 * transaction that wrote log rows, a cursor or outbox rows is reported to the runner. A commit of
 * log rows with a cursor is what the app calls "applied" (IdbRoomStore.persist); an outbox row is a
 * message durably queued. Reports are numbered per document (\`doc\`, \`n\`), so one that never
 * reaches the runner shows as a gap. Plain JavaScript: it runs in the page.
 */
export const IDB_WATCH = `(() => {
  const put = IDBObjectStore.prototype.put;
  const seen = new WeakMap();
  const doc = Math.random().toString(36).slice(2);
  let n = 0;
  IDBObjectStore.prototype.put = function (value, key) {
    const t = this.transaction;
    let rec = seen.get(t);
    if (!rec) {
      rec = { log: [], cursors: [], outbox: [] };
      seen.set(t, rec);
      t.addEventListener("complete", () => window.__chaosIdb({ ...rec, doc, n: ++n }));
    }
    if (this.name === "log") rec.log.push(value);
    else if (this.name === "cursors") rec.cursors.push({ room: key, seq: value });
    else if (this.name === "outbox") rec.outbox.push({ room: value.room, mid: value.mid, kind: value.kind, bodyJson: value.bodyJson });
    return put.call(this, value, key);
  };
})();`;

export const IdbCommit = z.object({
  doc: z.string(),
  n: z.number(),
  log: z.array(StoredMsg.extend({ room: z.string() })),
  cursors: z.array(z.object({ room: z.string(), seq: z.number() })),
  outbox: z.array(z.object({ room: z.string(), mid: z.string(), kind: z.string(), bodyJson: z.string() })),
});

export const Mirror = z.object({ rows: z.array(StoredMsg), cursor: z.number().nullable() });

/** An expression (run by the page) that reads the app's mirror of `room` and its cursor. */
export function readMirror(room: string): string {
  const r = JSON.stringify(room);
  return `new Promise((resolve, reject) => {
    const open = indexedDB.open("tether");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const t = open.result.transaction(["log", "cursors"], "readonly");
      const rows = t.objectStore("log").getAll(IDBKeyRange.bound([${r}, -Infinity], [${r}, Infinity]));
      const cursor = t.objectStore("cursors").get(${r});
      t.oncomplete = () => resolve({ rows: rows.result, cursor: cursor.result ?? null });
      t.onerror = () => reject(t.error);
    };
  })`;
}

/** Splits rows into runs of consecutive seqs (in the order the app wrote them). */
export function runs(rows: readonly StoredMsg[]): StoredMsg[][] {
  const out: StoredMsg[][] = [];
  for (const r of rows) {
    const cur = out.at(-1);
    const last = cur?.at(-1);
    if (cur && last && r.seq === last.seq + 1) cur.push(r);
    else out.push([r]);
  }
  return out;
}
