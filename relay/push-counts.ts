import { z } from "zod";
import { Limits, type PushStatsRes } from "../shared/protocol/index.ts";

/**
 * A machine's push totals in the Directory (docs/protocol.md §11.2): one row per machine, so what
 * was sent and what failed outlives the subscriptions it went to (a 410 removes one at once).
 * Synchronous, so a caller counts in the same step that removes or updates a subscription.
 */
export type CountedOutcome = "sent" | "failed" | "retried" | "gone";

const SCHEMA = `CREATE TABLE IF NOT EXISTS push_counts (
  machine_id TEXT PRIMARY KEY, sent INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
  retried INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_at INTEGER)`;

const Row = z.object({
  sent: z.number(),
  failed: z.number(),
  retried: z.number(),
  gone: z.number(),
  lastError: z.string().nullable(),
  lastAt: z.number().nullable(),
});

const NONE: PushStatsRes = { sent: 0, failed: 0, retried: 0, gone: 0, lastError: null, lastAt: null };

export class PushCounts {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(SCHEMA);
  }

  /** One push service answer. Its error text comes from outside: only its first characters are kept. */
  add(machineId: string, outcome: CountedOutcome, error: string | null, now: number): void {
    const kept = error === null ? null : error.slice(0, Limits.pushErrorChars);
    // The column name comes from the closed union above, never from input.
    this.#sql.exec(
      `INSERT INTO push_counts (machine_id, ${outcome}, last_error, last_at) VALUES (?, 1, ?, ?)
       ON CONFLICT (machine_id) DO UPDATE SET ${outcome} = ${outcome} + 1,
         last_error = COALESCE(excluded.last_error, last_error), last_at = excluded.last_at`,
      machineId,
      kept,
      now,
    );
  }

  totals(machineId: string): PushStatsRes {
    const row = this.#sql
      .exec(
        `SELECT sent, failed, retried, gone, last_error AS lastError, last_at AS lastAt
         FROM push_counts WHERE machine_id = ?`,
        machineId,
      )
      .toArray()[0];
    return row === undefined ? NONE : Row.parse(row);
  }
}
