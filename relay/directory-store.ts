import { z } from "zod";
import { Role, TokenKind } from "../shared/protocol/index.ts";

/** SQLite tables of the Directory. Every method is synchronous, so callers can compose them atomically. */

/** Stored scope of bridge and device tokens: their machine room plus every session room it owns. */
export const OWNED_SESSION_ROOMS = "s-*";

export const TokenRow = z.object({
  id: z.string(),
  hash: z.string(),
  kind: TokenKind,
  role: Role,
  machineId: z.string(),
  rooms: z.array(z.string()),
  label: z.string().nullable(),
  /** The minting token's id; null for the relay secret, a pairing, and rows older than the column. */
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
export type TokenRow = z.infer<typeof TokenRow>;

export const RoomRow = z.object({
  room: z.string(),
  machineId: z.string(),
  state: z.enum(["claimed", "deleted"]),
});
export type RoomRow = z.infer<typeof RoomRow>;

export type PairingRow = { machineId: string; label: string | null };

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, role TEXT NOT NULL,
    machine_id TEXT NOT NULL, rooms TEXT NOT NULL, label TEXT, created_at INTEGER NOT NULL,
    expires_at INTEGER, revoked_at INTEGER, created_by TEXT)`,
  "CREATE INDEX IF NOT EXISTS tokens_by_machine ON tokens (machine_id)",
  `CREATE TABLE IF NOT EXISTS rooms (
    room TEXT PRIMARY KEY, machine_id TEXT NOT NULL, state TEXT NOT NULL,
    claimed_at INTEGER NOT NULL, deleted_at INTEGER)`,
  "CREATE INDEX IF NOT EXISTS rooms_by_machine ON rooms (machine_id)",
  `CREATE TABLE IF NOT EXISTS pairings (
    hash TEXT PRIMARY KEY, machine_id TEXT NOT NULL, label TEXT, created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, used_at INTEGER)`,
];

/** Columns added after the first schema; a table of an older relay gets them when the Directory starts. */
const ADDED_TOKEN_COLUMNS = [{ name: "created_by", type: "TEXT" }];
const AFTER_MIGRATION = ["CREATE INDEX IF NOT EXISTS tokens_by_creator ON tokens (created_by)"];

const TOKEN_COLUMNS = `id, hash, kind, role, machine_id AS machineId, rooms, label, created_by AS createdBy,
  created_at AS createdAt, expires_at AS expiresAt, revoked_at AS revokedAt`;

export class DirectoryStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    migrateTokens(sql);
    for (const statement of AFTER_MIGRATION) sql.exec(statement);
  }

  tokenByHash(hash: string): TokenRow | null {
    return this.#oneToken(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`, hash);
  }

  tokenById(id: string): TokenRow | null {
    return this.#oneToken(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`, id);
  }

  /** All tokens, or one machine's, oldest first. */
  tokens(machineId: string | null): TokenRow[] {
    const rows =
      machineId === null
        ? this.#sql.exec(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id`)
        : this.#sql.exec(
            `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE machine_id = ? ORDER BY created_at, id`,
            machineId,
          );
    return rows.toArray().map(toTokenRow);
  }

  insertToken(t: TokenRow): void {
    this.#sql.exec(
      `INSERT INTO tokens (id, hash, kind, role, machine_id, rooms, label, created_by, created_at, expires_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.hash,
      t.kind,
      t.role,
      t.machineId,
      JSON.stringify(t.rooms),
      t.label,
      t.createdBy,
      t.createdAt,
      t.expiresAt,
      t.revokedAt,
    );
  }

  /** Keeps the first revocation time when revoked twice. */
  revokeToken(id: string, now: number): void {
    this.#sql.exec("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", now, id);
  }

  /** Revokes the live shares `creatorId` made; returns them (id and room) so their sockets can be closed. */
  revokeSharesOf(creatorId: string, now: number): TokenRow[] {
    return this.#sql
      .exec(
        `UPDATE tokens SET revoked_at = ? WHERE created_by = ? AND kind = 'share' AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?) RETURNING ${TOKEN_COLUMNS}`,
        now,
        creatorId,
        now,
      )
      .toArray()
      .map(toTokenRow)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  room(room: string): RoomRow | null {
    const rows = this.#sql
      .exec("SELECT room, machine_id AS machineId, state FROM rooms WHERE room = ?", room)
      .toArray();
    return rows[0] === undefined ? null : RoomRow.parse(rows[0]);
  }

  claimRoom(room: string, machineId: string, now: number): void {
    this.#sql.exec(
      "INSERT INTO rooms (room, machine_id, state, claimed_at) VALUES (?, ?, 'claimed', ?)",
      room,
      machineId,
      now,
    );
  }

  markRoomDeleted(room: string, now: number): void {
    this.#sql.exec(
      "UPDATE rooms SET state = 'deleted', deleted_at = COALESCE(deleted_at, ?) WHERE room = ?",
      now,
      room,
    );
  }

  /** Live session rooms a machine owns (its machine room is not included). */
  ownedSessionRooms(machineId: string): string[] {
    return this.#sql
      .exec<{ room: string }>(
        "SELECT room FROM rooms WHERE machine_id = ? AND state = 'claimed' AND room LIKE 's-%' ORDER BY room",
        machineId,
      )
      .toArray()
      .map((r) => r.room);
  }

  insertPairing(hash: string, pairing: PairingRow, now: number, expiresAt: number): void {
    // Expired codes can never succeed; dropping them keeps the table small.
    this.#sql.exec("DELETE FROM pairings WHERE expires_at <= ?", now);
    this.#sql.exec(
      "INSERT INTO pairings (hash, machine_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      hash,
      pairing.machineId,
      pairing.label,
      now,
      expiresAt,
    );
  }

  /** Marks a live, unused code as used and returns it; null for unknown, used or expired codes. */
  takePairing(hash: string, now: number): PairingRow | null {
    const rows = this.#sql
      .exec<{ machineId: string; label: string | null }>(
        `UPDATE pairings SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
         RETURNING machine_id AS machineId, label`,
        now,
        hash,
        now,
      )
      .toArray();
    return rows[0] ?? null;
  }

  #oneToken(query: string, binding: string): TokenRow | null {
    const row = this.#sql.exec(query, binding).toArray()[0];
    return row === undefined ? null : toTokenRow(row);
  }
}

function migrateTokens(sql: SqlStorage): void {
  const present = new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('tokens')")
      .toArray()
      .map((c) => c.name),
  );
  for (const column of ADDED_TOKEN_COLUMNS) {
    if (!present.has(column.name)) sql.exec(`ALTER TABLE tokens ADD COLUMN ${column.name} ${column.type}`);
  }
}

function toTokenRow(row: Record<string, SqlStorageValue>): TokenRow {
  return TokenRow.parse({ ...row, rooms: JSON.parse(String(row.rooms)) });
}
