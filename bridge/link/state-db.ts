import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { z } from "zod";
import type { ClientStore } from "../../shared/core/client/sync-driver.ts";
import { outboxEntry } from "../../shared/core/client/sync-engine.ts";
import { immediateTransaction } from "../immediate-transaction.ts";
import { ensurePrivateFile } from "../private-files.ts";

/** A message waiting for the relay's ack, as stored: its body already serialized. */
export type QueuedMsg = { mid: string; kind: string; bodyJson: string; pushJson?: string | null };

const QueuedRow = z.object({
  mid: z.string(),
  kind: z.string(),
  bodyJson: z.string(),
  pushJson: z.string().nullable(),
});
const SeqRow = z.object({ seq: z.number() });
const ValueRow = z.object({ value: z.number() });
const CountRow = z.object({ n: z.number() });
const TriesRow = z.object({ n: z.number() });
const TotalsRow = z.object({ n: z.number(), oldest: z.number().nullable() });

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    mid TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    UNIQUE (room, mid)
  );
  CREATE TABLE IF NOT EXISTS cursors (room TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS tries (room TEXT PRIMARY KEY, mid TEXT NOT NULL, n INTEGER NOT NULL);
`;

/**
 * The bridge's durable transport state: outbox, cursors and epoch. WAL with synchronous=FULL makes
 * every commit fsynced before it returns, so a message counts as queued only once it is on disk.
 * AUTOINCREMENT ids never go backwards, which keeps outbox order across deletes and restarts.
 */
export class StateDb {
  readonly path: string;
  #db: DatabaseSync;
  #q: Record<
    | "enqueue"
    | "remove"
    | "list"
    | "depth"
    | "getCursor"
    | "setCursor"
    | "bumpEpoch"
    | "beginTry"
    | "clearTries",
    StatementSync
  >;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    ensurePrivateFile(path);
    // A second process (or a test's second client) may hold the file for a moment.
    this.#db = new DatabaseSync(path, { timeout: 5_000 });
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    this.#db.exec(SCHEMA);
    addPushColumn(this.#db);
    this.#q = {
      enqueue: this.#db.prepare(
        "INSERT OR IGNORE INTO outbox (room, mid, kind, body, push, queued_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      remove: this.#db.prepare("DELETE FROM outbox WHERE room = ? AND mid = ?"),
      list: this.#db.prepare(
        "SELECT mid, kind, body AS bodyJson, push AS pushJson FROM outbox WHERE room = ? ORDER BY id",
      ),
      depth: this.#db.prepare("SELECT count(*) AS n FROM outbox WHERE room = ?"),
      getCursor: this.#db.prepare("SELECT seq FROM cursors WHERE room = ?"),
      setCursor: this.#db.prepare(
        "INSERT INTO cursors (room, seq) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET seq = excluded.seq",
      ),
      bumpEpoch: this.#db.prepare(
        `INSERT INTO meta (key, value) VALUES ('epoch', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
      ),
      beginTry: this.#db.prepare(
        `INSERT INTO tries (room, mid, n) VALUES (?, ?, 1)
         ON CONFLICT (room) DO UPDATE SET n = CASE WHEN mid = excluded.mid THEN n + 1 ELSE 1 END,
           mid = excluded.mid
         RETURNING n`,
      ),
      clearTries: this.#db.prepare("DELETE FROM tries WHERE room = ?"),
    };
  }

  /** Queues a message durably; a mid already queued for the room keeps its place (returns false). */
  enqueue(room: string, msg: QueuedMsg, now: number): boolean {
    return this.#q.enqueue.run(room, msg.mid, msg.kind, msg.bodyJson, msg.pushJson ?? null, now).changes > 0;
  }

  /** Drops acknowledged or refused messages, in one transaction (one fsync). */
  remove(room: string, mids: readonly string[]): void {
    if (mids.length === 0) return;
    immediateTransaction(this.#db, () => {
      for (const mid of mids) this.#q.remove.run(room, mid);
    });
  }

  /** The room's outbox, oldest first. */
  outbox(room: string): QueuedMsg[] {
    return this.#q.list.all(room).map((row) => QueuedRow.parse(row));
  }

  outboxDepth(room: string): number {
    return CountRow.parse(this.#q.depth.get(room)).n;
  }

  /** Every room's queued messages together, and when the oldest of them was queued (null: none). */
  outboxTotals(): { queued: number; oldestQueuedAt: number | null } {
    const row = this.#db.prepare("SELECT count(*) AS n, min(queued_at) AS oldest FROM outbox").get();
    const { n, oldest } = TotalsRow.parse(row);
    return { queued: n, oldestQueuedAt: oldest };
  }

  /** The last applied seq of the room, or null when the room was never opened. */
  cursor(room: string): number | null {
    const row = this.#q.getCursor.get(room);
    return row === undefined ? null : SeqRow.parse(row).seq;
  }

  setCursor(room: string, seq: number): void {
    this.#q.setCursor.run(room, seq);
  }

  /**
   * Records, durably, that the room's message `mid` is about to be handled, and returns how many
   * times that has been tried without its cursor being saved: more than once means an earlier
   * process died while handling it. Saving the room's cursor clears the count.
   */
  beginTry(room: string, mid: string): number {
    return TriesRow.parse(this.#q.beginTry.get(room, mid)).n;
  }

  /** Increments and persists the epoch; called once per process start. */
  nextEpoch(): number {
    return ValueRow.parse(this.#q.bumpEpoch.get()).value;
  }

  /**
   * One room's outbox and cursor as the sync driver's store: every write is committed (fsynced)
   * before it returns, so `RoomLink.send` returns a mid only once its message is on disk.
   */
  clientStore(room: string): ClientStore<false> {
    return {
      async: false,
      load: () => ({
        cursor: this.cursor(room),
        outbox: this.outbox(room).map((q) => outboxEntry(q.mid, q.kind, q.bodyJson, q.pushJson ?? undefined)),
      }),
      enqueue: (e) => this.enqueue(room, { ...e, pushJson: e.pushJson ?? null }, Date.now()),
      remove: (mids) => this.remove(room, mids),
      // One commit: the message's try ends with the cursor that moves past it.
      persist: (_msgs, cursor) => {
        if (cursor === null) return;
        immediateTransaction(this.#db, () => {
          this.setCursor(room, cursor);
          this.#q.clearTries.run(room);
        });
      },
      // The bridge keeps no copy of the room's log; the new cursor follows in `persist`.
      reset: () => {},
    };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** The outbox of a bridge older than push hints gets their column (docs/protocol.md §11.1). */
function addPushColumn(db: DatabaseSync): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('outbox')").all();
  if (!columns.some((c) => c.name === "push")) db.exec("ALTER TABLE outbox ADD COLUMN push TEXT");
}
