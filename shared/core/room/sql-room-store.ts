import type { Role } from "../../protocol/index.ts";
import type { CidRecord, LogRow, NewRow, RoomMeta, RoomStore } from "./room-store.ts";

export type SqlValue = string | number | null;

/** The little of SQLite the store needs; adapters exist for Durable Objects and node:sqlite. */
export interface SqlDriver {
  exec(query: string, ...params: SqlValue[]): Record<string, SqlValue>[];
  transaction<T>(fn: () => T): T;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS log(seq INTEGER PRIMARY KEY, mid TEXT NOT NULL UNIQUE, cid TEXT NOT NULL,
     role TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, ts INTEGER NOT NULL, size INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS compacted(mid TEXT PRIMARY KEY, seq INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS compacted_expiry ON compacted(expires_at)",
  "CREATE TABLE IF NOT EXISTS producers(cid TEXT PRIMARY KEY, epoch INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS cursors(cid TEXT PRIMARY KEY, token_id TEXT NOT NULL, role TEXT NOT NULL,
     acked INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS meta(id INTEGER PRIMARY KEY CHECK (id = 1), head INTEGER NOT NULL,
     low INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL)`,
  "INSERT OR IGNORE INTO meta(id, head, low, count, bytes) VALUES (1, 0, 1, 0, 0)",
];

/**
 * The `meta` row is a checkpoint, written every this many appended messages and by compaction:
 * a send of one message then writes its log row and mid index entry only. The rows appended since
 * the checkpoint are counted back in on load; the log is gap-free above `low`, so that is exact.
 */
const META_EVERY = 100;

/**
 * RoomStore on SQLite. `meta` and the bridge epochs are cached in memory (this instance is the only
 * writer) and reloaded whenever a transaction fails.
 */
export class SqlRoomStore implements RoomStore {
  #sql: SqlDriver;
  #meta: RoomMeta;
  /** The head at the last `meta` write. */
  #metaHead: number;
  #epochs = new Map<string, number | null>();

  constructor(sql: SqlDriver) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    addLastSeen(sql);
    sql.exec("CREATE INDEX IF NOT EXISTS cursors_token ON cursors(token_id, last_seen)");
    [this.#meta, this.#metaHead] = this.#loadMeta();
  }

  meta(): RoomMeta {
    return { ...this.#meta };
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.#sql.transaction(fn);
    } catch (err) {
      [this.#meta, this.#metaHead] = this.#loadMeta();
      this.#epochs.clear();
      throw err;
    }
  }

  append(rows: readonly NewRow[]): LogRow[] {
    const meta = { ...this.#meta };
    const stored: LogRow[] = [];
    for (const row of rows) {
      const seq = meta.head + 1;
      this.#sql.exec(
        "INSERT INTO log(seq, mid, cid, role, kind, body, ts, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        seq,
        row.mid,
        row.cid,
        row.role,
        row.kind,
        row.body,
        row.ts,
        row.size,
      );
      stored.push({ ...row, seq });
      meta.head = seq;
      meta.count += 1;
      meta.bytes += row.size;
    }
    if (meta.head - this.#metaHead >= META_EVERY) this.#writeMeta(meta);
    else this.#meta = meta;
    return stored;
  }

  seqOfMid(mid: string): number | null {
    return this.seqsOfMids([mid]).get(mid) ?? null;
  }

  seqsOfMids(mids: readonly string[]): Map<string, number> {
    const list = JSON.stringify(mids);
    const rows = this.#sql.exec(
      `SELECT mid, seq FROM log WHERE mid IN (SELECT value FROM json_each(?))
       UNION ALL SELECT mid, seq FROM compacted WHERE mid IN (SELECT value FROM json_each(?))`,
      list,
      list,
    );
    return new Map(rows.map((r) => [String(r.mid), Number(r.seq)]));
  }

  read(from: number, to: number, limit: number): LogRow[] {
    return this.#sql
      .exec("SELECT * FROM log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?", from, to, limit)
      .map(toRow);
  }

  readBefore(before: number, limit: number): LogRow[] {
    return this.#sql
      .exec("SELECT * FROM log WHERE seq < ? ORDER BY seq DESC LIMIT ?", before, limit)
      .map(toRow)
      .reverse();
  }

  epochOf(cid: string): number | null {
    const cached = this.#epochs.get(cid);
    if (cached !== undefined) return cached;
    const row = this.#sql.exec("SELECT epoch FROM producers WHERE cid = ?", cid)[0];
    const epoch = row ? Number(row.epoch) : null;
    this.#epochs.set(cid, epoch);
    return epoch;
  }

  setEpoch(cid: string, epoch: number): void {
    this.#sql.exec(
      "INSERT INTO producers(cid, epoch) VALUES (?, ?) ON CONFLICT(cid) DO UPDATE SET epoch = excluded.epoch",
      cid,
      epoch,
    );
    this.#epochs.set(cid, epoch);
  }

  cidRecord(cid: string): CidRecord | null {
    const row = this.#sql.exec("SELECT token_id, role, acked FROM cursors WHERE cid = ?", cid)[0];
    if (!row) return null;
    return { tokenId: String(row.token_id), role: String(row.role) as Role, acked: Number(row.acked) };
  }

  bindCid(cid: string, tokenId: string, role: Role, now: number): void {
    this.#sql.exec(
      `INSERT INTO cursors(cid, token_id, role, acked, last_seen) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT(cid) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
      cid,
      tokenId,
      role,
      now,
    );
  }

  cidsOf(tokenId: string): { cid: string; lastSeen: number }[] {
    return this.#sql
      .exec("SELECT cid, last_seen FROM cursors WHERE token_id = ? ORDER BY last_seen, cid", tokenId)
      .map((r) => ({ cid: String(r.cid), lastSeen: Number(r.last_seen) }));
  }

  forgetCid(cid: string): void {
    this.#sql.exec("DELETE FROM cursors WHERE cid = ?", cid);
  }

  expireCids(before: number, keep: number, spare: readonly string[]): number {
    const row = this.#sql.exec("SELECT count(*) AS n FROM cursors WHERE role != 'bridge'")[0];
    const excess = Number(row?.n ?? 0) - keep;
    if (excess <= 0) return 0;
    const gone = this.#sql.exec(
      `SELECT cid FROM cursors WHERE role != 'bridge' AND last_seen < ?
         AND cid NOT IN (SELECT value FROM json_each(?)) ORDER BY last_seen, cid LIMIT ?`,
      before,
      JSON.stringify(spare),
      excess,
    );
    for (const r of gone) this.forgetCid(String(r.cid));
    return gone.length;
  }

  raiseAcked(cid: string, acked: number): void {
    this.#sql.exec("UPDATE cursors SET acked = ? WHERE cid = ? AND acked < ?", acked, cid, acked);
  }

  bridgeAcked(): number {
    const row = this.#sql.exec("SELECT min(acked) AS a FROM cursors WHERE role = 'bridge'")[0];
    return row?.a == null ? 0 : Number(row.a);
  }

  compact(upTo: number, maxCount: number, maxBytes: number, midExpiresAt: number): number {
    const meta = { ...this.#meta };
    let cut = meta.low - 1;
    if (meta.count > maxCount) cut = meta.low + (meta.count - maxCount) - 1;
    if (meta.bytes > maxBytes) cut = Math.max(cut, this.#bytesCut(meta, maxBytes, upTo));
    cut = Math.min(cut, upTo, meta.head);
    if (cut < meta.low) return 0;
    const gone = this.#sql.exec(
      "SELECT count(*) AS n, coalesce(sum(size), 0) AS b FROM log WHERE seq <= ?",
      cut,
    )[0];
    this.#sql.exec(
      "INSERT OR REPLACE INTO compacted(mid, seq, expires_at) SELECT mid, seq, ? FROM log WHERE seq <= ?",
      midExpiresAt,
      cut,
    );
    this.#sql.exec("DELETE FROM log WHERE seq <= ?", cut);
    const removed = Number(gone?.n ?? 0);
    this.#writeMeta({
      ...meta,
      low: cut + 1,
      count: meta.count - removed,
      bytes: meta.bytes - Number(gone?.b ?? 0),
    });
    return removed;
  }

  purgeMids(now: number): number | null {
    this.#sql.exec("DELETE FROM compacted WHERE expires_at <= ?", now);
    const next = this.#sql.exec("SELECT min(expires_at) AS e FROM compacted")[0];
    return next?.e == null ? null : Number(next.e);
  }

  /** The smallest cut that brings the byte total within the cap (or `upTo`, whichever is lower). */
  #bytesCut(meta: RoomMeta, maxBytes: number, upTo: number): number {
    let excess = meta.bytes - maxBytes;
    let from = meta.low;
    while (excess > 0 && from <= upTo) {
      const rows = this.#sql.exec(
        "SELECT seq, size FROM log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 500",
        from,
        upTo,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        excess -= Number(row.size);
        from = Number(row.seq) + 1;
        if (excess <= 0) break;
      }
    }
    return from - 1;
  }

  /** The checkpoint plus the rows appended after it; returns the meta and the checkpoint's head. */
  #loadMeta(): [RoomMeta, number] {
    const row = this.#sql.exec("SELECT head, low, count, bytes FROM meta WHERE id = 1")[0];
    const saved = Number(row?.head);
    const after = this.#sql.exec(
      "SELECT count(*) AS n, coalesce(sum(size), 0) AS b, max(seq) AS h FROM log WHERE seq > ?",
      saved,
    )[0];
    const meta = {
      head: after?.h == null ? saved : Number(after.h),
      low: Number(row?.low),
      count: Number(row?.count) + Number(after?.n ?? 0),
      bytes: Number(row?.bytes) + Number(after?.b ?? 0),
    };
    return [meta, saved];
  }

  #writeMeta(meta: RoomMeta): void {
    this.#sql.exec(
      "UPDATE meta SET head = ?, low = ?, count = ?, bytes = ? WHERE id = 1",
      meta.head,
      meta.low,
      meta.count,
      meta.bytes,
    );
    this.#meta = meta;
    this.#metaHead = meta.head;
  }
}

/** Rooms made before cursors had `last_seen` get the column (0: never seen since). */
function addLastSeen(sql: SqlDriver): void {
  try {
    sql.exec("SELECT last_seen FROM cursors LIMIT 0");
  } catch {
    sql.exec("ALTER TABLE cursors ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0");
  }
}

function toRow(r: Record<string, SqlValue>): LogRow {
  return {
    seq: Number(r.seq),
    mid: String(r.mid),
    cid: String(r.cid),
    role: String(r.role) as Role,
    kind: String(r.kind),
    body: String(r.body),
    ts: Number(r.ts),
    size: Number(r.size),
  };
}
