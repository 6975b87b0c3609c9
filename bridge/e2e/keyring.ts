import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { Limits } from "../../shared/protocol/index.ts";
import { EcPrivateJwk } from "../../shared/webpush/ec-keys.ts";
import { immediateTransaction } from "../immediate-transaction.ts";
import { ensurePrivateFile } from "../private-files.ts";
import { generateMachineKeys, type MachineKeys, machineKeysOf } from "./node-seal.ts";

/**
 * The machine's key material (docs/protocol.md §12.2), in `<stateDir>/keys.db` (0600): the machine
 * key, every room's key generations, the recipients that may read them, the grants already sent,
 * and the secrets of pairing links not yet used. SQLite (WAL) because `tether pair` records a
 * pairing secret from its own process while the bridge runs.
 */

export type RoomKey = { k: number; key: Buffer };
export type KeyringOptions = {
  /** Tests pin it; otherwise drawn at random in 1–FIRST_GENERATION_MAX when the keyring is made. */
  firstGeneration?: number;
};

/** A room's generations run from the keyring's first one up to KeyGen's 1,000,000. */
export const FIRST_GENERATION_MAX = 900_000;
/** A paired device (`d:<tokenId>`, its public key) or a share link (`s:<shareId>`, its secret and room). */
export type RecipientRow =
  | { id: string; kind: "d"; tokenId: string; createdAt: number; publicKey: string }
  | { id: string; kind: "s"; tokenId: string; createdAt: number; secret: Buffer; room: string };

const KeyRow = z.object({ k: z.number(), key: z.instanceof(Uint8Array) });
const RecipientDb = z.object({
  id: z.string(),
  public_key: z.string().nullable(),
  secret: z.instanceof(Uint8Array).nullable(),
  room: z.string().nullable(),
  created_at: z.number(),
});
const TextRow = z.object({ value: z.string() });
const RoomRow = z.object({ room: z.string() });
const PairingRow = z.object({ secret: z.instanceof(Uint8Array), expires_at: z.number() });

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS room_keys (
    room TEXT NOT NULL, k INTEGER NOT NULL, key BLOB NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (room, k)
  );
  CREATE TABLE IF NOT EXISTS recipients (
    id TEXT PRIMARY KEY, public_key TEXT, secret BLOB, room TEXT, created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS granted (
    room TEXT NOT NULL, k INTEGER NOT NULL, recipient TEXT NOT NULL, PRIMARY KEY (room, k, recipient)
  );
  CREATE TABLE IF NOT EXISTS pairings (code TEXT PRIMARY KEY, secret BLOB NOT NULL, expires_at INTEGER NOT NULL);
`;

export class Keyring {
  readonly path: string;
  #db: DatabaseSync;
  #machine: MachineKeys | null = null;
  #first: number | null = null;
  #opts: KeyringOptions;
  #q: Statements;
  /** Room keys change only through this object or at rotation; reads are on every seal and open. */
  #cache = new Map<string, RoomKey[]>();

  static inStateDir(stateDir: string, opts: KeyringOptions = {}): Keyring {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    return new Keyring(join(stateDir, "keys.db"), opts);
  }

  constructor(path: string, opts: KeyringOptions = {}) {
    this.path = path;
    this.#opts = opts;
    ensurePrivateFile(path);
    this.#db = new DatabaseSync(path, { timeout: 5_000 });
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    this.#db.exec(SCHEMA);
    this.#q = statements(this.#db);
  }

  /** The machine key, made on first use (a second process racing here reads the winner's). */
  machine(): MachineKeys {
    if (this.#machine) return this.#machine;
    const stored = this.#q.getMeta.get("machine_key");
    if (stored === undefined) {
      const fresh = generateMachineKeys();
      this.#q.putMeta.run("machine_key", JSON.stringify(fresh.privateJwk));
      return this.machine();
    }
    const jwk = EcPrivateJwk.parse(JSON.parse(TextRow.parse(stored).value));
    this.#machine = machineKeysOf(jwk);
    return this.#machine;
  }

  /** Every generation of the room, oldest first. */
  generations(room: string): RoomKey[] {
    const cached = this.#cache.get(room);
    if (cached) return cached;
    const rows = this.#q.keys.all(room).map((r) => KeyRow.parse(r));
    const keys = rows.map((r) => ({ k: r.k, key: Buffer.from(r.key) }));
    if (keys.length > 0) this.#cache.set(room, keys);
    return keys;
  }

  newest(room: string): RoomKey | null {
    return this.generations(room).at(-1) ?? null;
  }

  key(room: string, k: number): Buffer | null {
    return this.generations(room).find((g) => g.k === k)?.key ?? null;
  }

  /**
   * The generation this keyring gives a room's first key: drawn once, when the keyring is made,
   * and kept. A keyring made anew for the same rooms (a wiped `keys.db`) so starts elsewhere, and
   * phones that still hold the old keys never take a new key for an old generation (§12.2).
   */
  firstGeneration(): number {
    if (this.#first !== null) return this.#first;
    const drawn = this.#opts.firstGeneration ?? randomInt(1, FIRST_GENERATION_MAX + 1);
    this.#q.putMeta.run("first_generation", String(drawn));
    const kept = Number(TextRow.parse(this.#q.getMeta.get("first_generation")).value);
    if (!Number.isSafeInteger(kept) || kept < 1 || kept > FIRST_GENERATION_MAX)
      throw new Error(`${this.path}: its first generation is not a number in 1–${FIRST_GENERATION_MAX}`);
    this.#first = kept;
    return kept;
  }

  /** Makes the room's next generation (the keyring's first generation for a room without keys). */
  addGeneration(room: string): RoomKey {
    const k = (this.newest(room)?.k ?? this.firstGeneration() - 1) + 1;
    const key = randomBytes(32);
    this.#q.addKey.run(room, k, key, Date.now());
    this.#cache.delete(room);
    return { k, key };
  }

  /** Rooms with keys: every room this machine ever opened since it had a keyring. */
  rooms(): string[] {
    return this.#q.rooms.all().map((r) => RoomRow.parse(r).room);
  }

  recipients(): RecipientRow[] {
    return this.#q.recipients.all().map((raw) => {
      const r = RecipientDb.parse(raw);
      const base = { id: r.id, tokenId: r.id.slice(2), createdAt: r.created_at };
      if (r.id.startsWith("d:") && r.public_key) return { ...base, kind: "d", publicKey: r.public_key };
      if (r.id.startsWith("s:") && r.secret && r.room)
        return { ...base, kind: "s", secret: Buffer.from(r.secret), room: r.room };
      throw new Error(`keyring: malformed recipient row ${r.id.slice(0, 20)}`);
    });
  }

  addDevice(tokenId: string, publicKey: string): void {
    this.#q.putRecipient.run(`d:${tokenId}`, publicKey, null, null, Date.now());
  }

  addShare(shareId: string, room: string, secret: Buffer): void {
    this.#q.putRecipient.run(`s:${shareId}`, null, secret, room, Date.now());
  }

  removeRecipient(id: string): void {
    immediateTransaction(this.#db, () => {
      this.#q.dropRecipient.run(id);
      this.#q.dropGranted.run(id);
    });
  }

  granted(room: string, k: number, to: string): boolean {
    return this.#q.isGranted.get(room, k, to) !== undefined;
  }

  markGranted(room: string, grants: readonly { k: number; to: string }[]): void {
    immediateTransaction(this.#db, () => {
      for (const g of grants) this.#q.markGranted.run(room, g.k, g.to);
    });
  }

  /** Keeps a pairing link's secret until its code is used or expires (§12.4). */
  addPairing(code: string, secret: Buffer, expiresAt = Date.now() + Limits.pairingTtlMs): void {
    this.#q.dropExpired.run(Date.now());
    this.#q.addPairing.run(code, secret, expiresAt);
  }

  /** The secret of a live pairing code, or null. */
  pairingSecret(code: string): Buffer | null {
    const row = this.#q.getPairing.get(code);
    if (row === undefined) return null;
    const p = PairingRow.parse(row);
    if (p.expires_at <= Date.now()) {
      this.#q.dropPairing.run(code);
      return null;
    }
    return Buffer.from(p.secret);
  }

  forgetPairing(code: string): void {
    this.#q.dropPairing.run(code);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

type Statements = ReturnType<typeof statements>;

function statements(db: DatabaseSync) {
  const p = (sql: string) => db.prepare(sql);
  return {
    getMeta: p("SELECT value FROM meta WHERE key = ?"),
    putMeta: p("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)"),
    keys: p("SELECT k, key FROM room_keys WHERE room = ? ORDER BY k"),
    addKey: p("INSERT INTO room_keys (room, k, key, created_at) VALUES (?, ?, ?, ?)"),
    rooms: p("SELECT DISTINCT room FROM room_keys ORDER BY room"),
    recipients: p("SELECT id, public_key, secret, room, created_at FROM recipients ORDER BY created_at, id"),
    putRecipient: p(
      `INSERT INTO recipients (id, public_key, secret, room, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, secret = excluded.secret, room = excluded.room`,
    ),
    dropRecipient: p("DELETE FROM recipients WHERE id = ?"),
    dropGranted: p("DELETE FROM granted WHERE recipient = ?"),
    isGranted: p("SELECT 1 AS one FROM granted WHERE room = ? AND k = ? AND recipient = ?"),
    markGranted: p("INSERT OR IGNORE INTO granted (room, k, recipient) VALUES (?, ?, ?)"),
    addPairing: p("INSERT OR REPLACE INTO pairings (code, secret, expires_at) VALUES (?, ?, ?)"),
    getPairing: p("SELECT secret, expires_at FROM pairings WHERE code = ?"),
    dropPairing: p("DELETE FROM pairings WHERE code = ?"),
    dropExpired: p("DELETE FROM pairings WHERE expires_at <= ?"),
  };
}
