import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  newRoomMemo,
  onFrame,
  type RoomEnv,
  type SqlDriver,
  SqlRoomStore,
  type SqlValue,
} from "../shared/core/room/index.ts";
import { nodeSql } from "../tests/support/node-sql.ts";
import { TestPeer } from "../tests/support/test-room.ts";

export const ROWS_METHOD =
  "replay of the relay's own room core (shared/core onFrame + SqlRoomStore, the code the Room DO runs) " +
  "on node:sqlite: every INSERT/UPDATE/DELETE is counted with its `changes`, plus one write per secondary " +
  "index entry it touches (Cloudflare bills index writes as rows written). The Room DO's own " +
  "`cursor.rowsWritten` is not observable from outside: relay/do-sql.ts drops the cursor (toArray) and the " +
  "relay exports no metric. The DO's on-disk schema is compared with the one measured here (indexes).";

type Write = { op: string; table: string; statements: number; changes: number; indexWrites: number };
export type RowsFigure = {
  batch: number;
  rowsWrittenPerMessage: number;
  rowsWrittenPerFrame: number;
  /** The frame's write statements, summed per operation and table. */
  writes: Write[];
};

/** Rows written by one `send` of `batch` 1 KiB messages, one `ack`, one `hello`, one duplicate resend. */
export function measureRowsWritten(batches: readonly number[]) {
  const sql = countingSql();
  const env: RoomEnv = {
    store: new SqlRoomStore(sql),
    config: { room: "s-benchmarkbenchmark01", maxMessages: 100_000, maxBytes: 200_000_000 },
    peers: () => [peer],
    now: () => 1_763_700_000_000,
    requestAlarm: () => {},
    memo: newRoomMemo(),
    later: () => {},
  };
  const peer = new TestPeer({ role: "bridge", tokenId: "tok-bench", expiresAt: null }, env.now());
  const frame = (f: object) => sql.measure(() => onFrame(env, peer, JSON.stringify(f)));
  const hello = frame({ t: "hello", v: 2, cid: "bench-bridge", epoch: 1, since: null, tail: 0 });
  const figures: RowsFigure[] = [];
  let lastBatch: { mid: string; kind: string; body: unknown }[] = [];
  for (const batch of batches) {
    lastBatch = Array.from({ length: batch }, () => ({ mid: mid(), kind: "agent.message", body: body1k() }));
    const writes = frame({ t: "send", msgs: lastBatch });
    const rows = total(writes);
    figures.push({
      batch,
      rowsWrittenPerMessage: rows / batch,
      rowsWrittenPerFrame: rows,
      writes: sum(writes),
    });
  }
  const ack = frame({ t: "ack", upTo: env.store.meta().head });
  const dupResend = frame({ t: "send", msgs: lastBatch });
  if (peer.of("error").length > 0) throw new Error(`room refused: ${JSON.stringify(peer.of("error"))}`);
  return {
    figures,
    perAckFrame: total(ack),
    perHello: total(hello),
    perDuplicateResend: total(dupResend),
    logIndexes: indexesOf(sql.db, "log").map((cols) => cols.join(",")),
  };
}

/** The secondary indexes of `log` (as column lists) in each Room DO's SQLite file under a persist dir. */
export function doLogIndexes(persistDir: string): string[][] {
  return doLogIndexesIn(join(persistDir, "v3", "do"));
}

/** The same for a Durable Objects folder given directly (the embedded relay keeps it at `<state>/relay/data/do`). */
export function doLogIndexesIn(dir: string): string[][] {
  const roomDirs = readdirSync(dir).filter((d) => d.endsWith("-Room"));
  const out: string[][] = [];
  for (const roomDir of roomDirs) {
    for (const file of readdirSync(join(dir, roomDir))) {
      if (!file.endsWith(".sqlite") || file === "metadata.sqlite") continue;
      const db = new DatabaseSync(join(dir, roomDir, file), { readOnly: true });
      try {
        if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'log'").get())
          out.push(indexesOf(db, "log").map((c) => c.join(",")));
      } finally {
        db.close();
      }
    }
  }
  return out;
}

function sum(writes: readonly Write[]): Write[] {
  const by = new Map<string, Write>();
  for (const w of writes) {
    const key = `${w.op} ${w.table}`;
    const acc = by.get(key) ?? { op: w.op, table: w.table, statements: 0, changes: 0, indexWrites: 0 };
    by.set(key, {
      ...acc,
      statements: acc.statements + w.statements,
      changes: acc.changes + w.changes,
      indexWrites: acc.indexWrites + w.indexWrites,
    });
  }
  return [...by.values()];
}

function total(writes: readonly Write[]): number {
  return writes.reduce((n, w) => n + w.changes + w.indexWrites, 0);
}

/** node:sqlite that records each write statement with the rows and index entries it touched. */
function countingSql(): SqlDriver & { db: DatabaseSync; measure(fn: () => void): Write[] } {
  const base = nodeSql();
  let writes: Write[] = [];
  return {
    db: base.db,
    transaction: base.transaction,
    exec(query: string, ...params: SqlValue[]) {
      const m = /^\s*(INSERT|UPDATE|DELETE)\b(?:\s+OR\s+\w+)?\s+(?:INTO\s+|FROM\s+)?(\w+)/i.exec(query);
      if (!m) return base.exec(query, ...params);
      const op = m[1]!.toUpperCase();
      const table = m[2]!;
      const changes = Number(base.db.prepare(query).run(...params).changes);
      const indexWrites = changes * touchedIndexes(base.db, op, table, query);
      writes.push({ op, table, statements: 1, changes, indexWrites });
      return [];
    },
    measure(fn: () => void): Write[] {
      writes = [];
      fn();
      return writes;
    },
  };
}

/** Secondary indexes an INSERT/DELETE always touches; an UPDATE only those on the columns it sets. */
function touchedIndexes(db: DatabaseSync, op: string, table: string, query: string): number {
  const indexes = indexesOf(db, table);
  if (op !== "UPDATE") return indexes.length;
  const set = /\bSET\s+(.*?)\s+WHERE\b/is.exec(query)?.[1] ?? "";
  const columns = new Set(set.split(",").map((a) => a.split("=")[0]!.trim().toLowerCase()));
  return indexes.filter((cols) => cols.some((c) => columns.has(c.toLowerCase()))).length;
}

/** Each secondary index of `table` as its column list (rowid primary keys have none). */
function indexesOf(db: DatabaseSync, table: string): string[][] {
  const list = db.prepare(`PRAGMA index_list(${table})`).all() as { name: string }[];
  return list.map((i) =>
    (db.prepare(`PRAGMA index_info(${i.name})`).all() as { name: string }[]).map((c) => String(c.name)),
  );
}

function mid(): string {
  return randomBytes(16).toString("base64url");
}

/** A body whose JSON text is exactly 1,024 bytes. */
export function body1k(): { pad: string } {
  return {
    pad: randomBytes(768)
      .toString("base64url")
      .slice(0, 1024 - 10),
  };
}
