import type { DatabaseSync } from "node:sqlite";

/** A phone's message for a terminal session, waiting for the session's next Stop hook. */
export type InboxMessage = { mid: string; text: string };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS terminal_inbox(mid TEXT PRIMARY KEY, room TEXT NOT NULL, text TEXT NOT NULL,
  at INTEGER NOT NULL, delivered_at INTEGER, confirmed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS terminal_inbox_room ON terminal_inbox(room, delivered_at, at);
`;

/**
 * The messages phones sent to live terminal sessions (docs/protocol.md §9.6.2), in the terminal
 * store's sessions.db connection (synchronous=FULL): queued when read, marked delivered before the Stop hook's answer carries them.
 * A message is kept by its mid, so a replayed one is queued once; a delivered one is never taken
 * again (at most once: a bridge that dies between the mark and the hook's answer loses it).
 */
export class TerminalInbox {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#db.exec(SCHEMA);
  }

  /** False when this mid was queued before (a replay): it is not queued again. */
  queue(room: string, mid: string, text: string): boolean {
    const r = this.#db
      .prepare("INSERT OR IGNORE INTO terminal_inbox(mid, room, text, at) VALUES (?, ?, ?, ?)")
      .run(mid, room, text, Date.now());
    return Number(r.changes) > 0;
  }

  /**
   * Takes the room's waiting messages, oldest first, at most `budget` characters of text (always
   * the first), and marks them settled (`delivered_at`: handed to the Stop hook, or answered as
   * never delivered at the session's end) in one transaction; the rest wait for the next Stop.
   */
  take(room: string, budget: number): InboxMessage[] {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const taken: InboxMessage[] = [];
      let size = 0;
      for (const m of this.waiting(room)) {
        size += m.text.length;
        if (taken.length > 0 && size > budget) break;
        taken.push(m);
      }
      const mark = this.#db.prepare("UPDATE terminal_inbox SET delivered_at = ? WHERE mid = ?");
      for (const m of taken) mark.run(Date.now(), m.mid);
      this.#db.exec("COMMIT");
      return taken;
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  /**
   * Messages handed to a Stop hook whose effect the session has not shown yet (its next Stop,
   * with `stop_hook_active`, confirms them), oldest first.
   */
  unconfirmed(room: string): InboxMessage[] {
    return this.#db
      .prepare(
        "SELECT mid, text FROM terminal_inbox WHERE room = ? AND delivered_at IS NOT NULL AND confirmed = 0 ORDER BY at, rowid",
      )
      .all(room)
      .map((r) => ({ mid: String(r.mid), text: String(r.text) }));
  }

  /** Every message of the room taken so far is settled: confirmed, or told as not delivered. */
  confirm(room: string): void {
    this.#db
      .prepare("UPDATE terminal_inbox SET confirmed = 1 WHERE room = ? AND delivered_at IS NOT NULL")
      .run(room);
  }

  /** The room's messages still waiting, oldest first (without taking them). */
  waiting(room: string): InboxMessage[] {
    return this.#db
      .prepare(
        "SELECT mid, text FROM terminal_inbox WHERE room = ? AND delivered_at IS NULL ORDER BY at, rowid",
      )
      .all(room)
      .map((r) => ({ mid: String(r.mid), text: String(r.text) }));
  }
}
