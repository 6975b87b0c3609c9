import type { PushKind } from "../shared/core/push/push-policy.ts";
import type { SqlDriver } from "../shared/core/room/index.ts";

/**
 * A room's pushes waiting to go out (docs/protocol.md §11.3), in the room's own SQLite: written in
 * the same turn as the message they come from, so a room restarted meanwhile still sends them.
 * A job without a token fans out to the machine's subscriptions; one with a token is a retry.
 */
export type PushJob = {
  id: number;
  seq: number;
  at: number;
  class: PushKind;
  turnMs: number | null;
  show: string;
  tokenId: string | null;
  attempts: number;
  nextAt: number;
};

export type NewJob = Omit<PushJob, "id">;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS push_jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL,
     at INTEGER NOT NULL, class TEXT NOT NULL, turn_ms INTEGER, show TEXT NOT NULL, token_id TEXT,
     attempts INTEGER NOT NULL, next_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS push_jobs_due ON push_jobs(next_at)",
  `CREATE TABLE IF NOT EXISTS push_will(id INTEGER PRIMARY KEY CHECK (id = 1), show TEXT NOT NULL,
     left_at INTEGER)`,
];

const COLUMNS = `id, seq, at, class, turn_ms AS turnMs, show, token_id AS tokenId, attempts, next_at AS nextAt`;

/** Jobs no longer worth sending: a day-old push is noise, and a room must not pile them up forever. */
const MAX_JOBS = 1000;

export class PushQueue {
  readonly #sql: SqlDriver;

  constructor(sql: SqlDriver) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
  }

  add(job: NewJob): void {
    this.#sql.exec(
      `INSERT INTO push_jobs(seq, at, class, turn_ms, show, token_id, attempts, next_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      job.seq,
      job.at,
      job.class,
      job.turnMs,
      job.show,
      job.tokenId,
      job.attempts,
      job.nextAt,
    );
    this.#sql.exec(
      "DELETE FROM push_jobs WHERE id NOT IN (SELECT id FROM push_jobs ORDER BY id DESC LIMIT ?)",
      MAX_JOBS,
    );
  }

  due(now: number, limit = 20): PushJob[] {
    return this.#sql
      .exec(`SELECT ${COLUMNS} FROM push_jobs WHERE next_at <= ? ORDER BY next_at, id LIMIT ?`, now, limit)
      .map((r) => r as unknown as PushJob);
  }

  remove(id: number): void {
    this.#sql.exec("DELETE FROM push_jobs WHERE id = ?", id);
  }

  /** The earliest job's time, or null when nothing waits. */
  nextAt(): number | null {
    const row = this.#sql.exec("SELECT MIN(next_at) AS at FROM push_jobs")[0];
    return typeof row?.at === "number" ? row.at : null;
  }

  will(): { show: string; leftAt: number | null } | null {
    const row = this.#sql.exec("SELECT show, left_at AS leftAt FROM push_will WHERE id = 1")[0];
    if (row === undefined) return null;
    return { show: String(row.show), leftAt: typeof row.leftAt === "number" ? row.leftAt : null };
  }

  setWill(show: string | null): void {
    if (show === null) this.#sql.exec("DELETE FROM push_will");
    else this.#sql.exec("INSERT OR REPLACE INTO push_will(id, show, left_at) VALUES (1, ?, NULL)", show);
  }

  /** The bridge left (`at`) or is back (null). */
  bridgeLeft(at: number | null): void {
    this.#sql.exec("UPDATE push_will SET left_at = ? WHERE id = 1", at);
  }
}
