import { DatabaseSync } from "node:sqlite";
import type { SqlDriver, SqlValue } from "../../shared/core/room/index.ts";

/** SqlDriver over node:sqlite, so the room core runs on real SQLite in Node tests. */
export function nodeSql(path = ":memory:"): SqlDriver & { db: DatabaseSync } {
  const db = new DatabaseSync(path);
  return {
    db,
    exec(query: string, ...params: SqlValue[]) {
      return db.prepare(query).all(...params) as Record<string, SqlValue>[];
    },
    transaction<T>(fn: () => T): T {
      db.exec("BEGIN");
      try {
        const out = fn();
        db.exec("COMMIT");
        return out;
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    },
  };
}
