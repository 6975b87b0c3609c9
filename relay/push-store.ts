import { z } from "zod";
import { type PushSubscribeReq, type PushSubscriptionInfo, TurnPushes } from "../shared/protocol/index.ts";

/**
 * The Directory's push tables (docs/protocol.md §11.2): one subscription per device token, and the
 * relay's VAPID key pair, made once. Every method is synchronous, so callers compose them atomically.
 */

/** A subscription as the room's push sender needs it. */
export const PushTarget = z.object({
  tokenId: z.string(),
  endpoint: z.string(),
  p256dh: z.string(),
  auth: z.string(),
  turns: TurnPushes,
  longTurnSeconds: z.number(),
  muted: z.array(z.string()),
});
export type PushTarget = z.infer<typeof PushTarget>;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS push_subs (
    token_id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, endpoint TEXT NOT NULL, p256dh TEXT NOT NULL,
    auth TEXT NOT NULL, turns TEXT NOT NULL, long_turn_s INTEGER NOT NULL, muted TEXT NOT NULL,
    created_at INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
  "CREATE INDEX IF NOT EXISTS push_subs_by_machine ON push_subs (machine_id)",
  "CREATE TABLE IF NOT EXISTS push_keys (id INTEGER PRIMARY KEY CHECK (id = 1), keys TEXT NOT NULL)",
];

const TARGET_COLUMNS = `token_id AS tokenId, endpoint, p256dh, auth, turns, long_turn_s AS longTurnSeconds, muted`;

export class PushStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
  }

  /** The stored VAPID keys (JSON), or null before the first push or subscription made them. */
  keys(): string | null {
    const row = this.#sql.exec<{ keys: string }>("SELECT keys FROM push_keys WHERE id = 1").toArray()[0];
    return row?.keys ?? null;
  }

  /** Keeps the first keys ever stored: two racing first calls end with the same pair. */
  saveKeys(keys: string): string {
    this.#sql.exec("INSERT OR IGNORE INTO push_keys (id, keys) VALUES (1, ?)", keys);
    return this.keys() ?? keys;
  }

  /** A token subscribes again with a new endpoint or settings: the row is replaced, its counters kept if the endpoint is the same. */
  put(tokenId: string, machineId: string, req: PushSubscribeReq, now: number): void {
    this.#sql.exec(
      `INSERT INTO push_subs (token_id, machine_id, endpoint, p256dh, auth, turns, long_turn_s, muted, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (token_id) DO UPDATE SET
         sent = CASE WHEN endpoint = excluded.endpoint THEN sent ELSE 0 END,
         failed = CASE WHEN endpoint = excluded.endpoint THEN failed ELSE 0 END,
         retries = CASE WHEN endpoint = excluded.endpoint THEN retries ELSE 0 END,
         last_error = CASE WHEN endpoint = excluded.endpoint THEN last_error ELSE NULL END,
         created_at = CASE WHEN endpoint = excluded.endpoint THEN created_at ELSE excluded.created_at END,
         endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
         turns = excluded.turns, long_turn_s = excluded.long_turn_s, muted = excluded.muted`,
      tokenId,
      machineId,
      req.endpoint,
      req.keys.p256dh,
      req.keys.auth,
      req.turns,
      req.longTurnSeconds,
      JSON.stringify(req.muted),
      now,
    );
  }

  info(tokenId: string): PushSubscriptionInfo | null {
    const row = this.#sql
      .exec(
        `SELECT endpoint, turns, long_turn_s AS longTurnSeconds, muted, created_at AS createdAt, sent, failed,
         retries, last_error AS lastError FROM push_subs WHERE token_id = ?`,
        tokenId,
      )
      .toArray()[0];
    if (row === undefined) return null;
    return { ...(row as Omit<PushSubscriptionInfo, "muted">), muted: JSON.parse(String(row.muted)) };
  }

  /** The subscriptions of a machine's device tokens (the caller filters for live tokens). */
  targets(machineId: string): PushTarget[] {
    return this.#sql
      .exec(`SELECT ${TARGET_COLUMNS} FROM push_subs WHERE machine_id = ? ORDER BY token_id`, machineId)
      .toArray()
      .map((row) => PushTarget.parse({ ...row, muted: JSON.parse(String(row.muted)) }));
  }

  target(tokenId: string): PushTarget | null {
    const row = this.#sql
      .exec(`SELECT ${TARGET_COLUMNS} FROM push_subs WHERE token_id = ?`, tokenId)
      .toArray()[0];
    return row === undefined ? null : PushTarget.parse({ ...row, muted: JSON.parse(String(row.muted)) });
  }

  remove(tokenId: string): boolean {
    return this.#sql.exec("DELETE FROM push_subs WHERE token_id = ?", tokenId).rowsWritten > 0;
  }

  /** The push service said the endpoint is gone (404/410): only that endpoint's row goes. */
  removeEndpoint(tokenId: string, endpoint: string): boolean {
    const gone = this.#sql.exec(
      "DELETE FROM push_subs WHERE token_id = ? AND endpoint = ?",
      tokenId,
      endpoint,
    );
    return gone.rowsWritten > 0;
  }

  count(
    tokenId: string,
    endpoint: string,
    outcome: "sent" | "failed" | "retried",
    error: string | null,
  ): void {
    const column = outcome === "sent" ? "sent" : outcome === "failed" ? "failed" : "retries";
    this.#sql.exec(
      `UPDATE push_subs SET ${column} = ${column} + 1, last_error = COALESCE(?, last_error)
       WHERE token_id = ? AND endpoint = ?`,
      error,
      tokenId,
      endpoint,
    );
  }
}
