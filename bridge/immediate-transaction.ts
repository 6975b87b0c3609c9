import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `fn` as one write transaction: one commit (one fsync) for all it writes, or a rollback when
 * it throws. IMMEDIATE takes the write lock at BEGIN, so another process on the same file cannot
 * make it fail halfway when a read would have to become a write.
 */
export function immediateTransaction(db: DatabaseSync, fn: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
