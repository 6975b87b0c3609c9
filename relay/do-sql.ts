import type { SqlDriver, SqlValue } from "../shared/core/room/index.ts";

/** SqlDriver over a Durable Object's SQLite storage. */
export function doSql(storage: DurableObjectStorage): SqlDriver {
  return {
    exec: (query, ...params) => storage.sql.exec(query, ...params).toArray() as Record<string, SqlValue>[],
    transaction: (fn) => storage.transactionSync(fn),
  };
}
