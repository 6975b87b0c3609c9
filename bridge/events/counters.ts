import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { immediateTransaction } from "../immediate-transaction.ts";
import { ensurePrivateFile } from "../private-files.ts";
import type { Counts } from "./event-counts.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, total INTEGER NOT NULL, run INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counter_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS event_keys(key TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS room_counts(room TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY(room, name));
`;

/** A room's count named so is a reason its resume failed (the tally lists them, not counts them). */
const REASON = "reason:";

/** A once-key is remembered this long (longer than any restart could repeat its event). */
const KEY_TTL_MS = 30 * 24 * 3600 * 1000;

const Row = z.object({ name: z.string(), total: z.number(), run: z.number() });
const Value = z.object({ value: z.number() });
const RoomRow = z.object({ name: z.string(), n: z.number() });

/** One session's counts since install, and why resuming it failed. */
export type RoomTally = { counts: Record<string, number>; fallbackReasons: string[] };

/** The session an event is about, and the reason it names (a fallback's). */
export type Room = { room: string; reason?: string };

export type CounterSnapshot = {
  /** Since the state dir's first bridge start. */
  sinceInstall: Record<string, number>;
  /** Since this bridge process started. */
  sinceStart: Record<string, number>;
  installedAt: number;
};

/**
 * The counters, in the bridge's sessions.db (synchronous=FULL): each event's counts, its once-key
 * and the seq of the last event applied go in one transaction, so after a crash the event log's
 * lines past that seq are exactly the ones to apply again (recorder.ts).
 */
export class Counters {
  #db: DatabaseSync;

  constructor(path: string, now = Date.now()) {
    ensurePrivateFile(path);
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
    this.#db.exec(SCHEMA);
    this.#db.prepare("INSERT OR IGNORE INTO counter_meta VALUES ('installed_at', ?)").run(now);
    this.#db.prepare("DELETE FROM event_keys WHERE at < ?").run(now - KEY_TTL_MS);
  }

  /** The seq of the last event whose counts are in (0 before any). */
  lastSeq(): number {
    return this.#meta("last_seq") ?? 0;
  }

  seen(key: string): boolean {
    return this.#db.prepare("SELECT 1 FROM event_keys WHERE key = ?").get(key) !== undefined;
  }

  /**
   * One event's counts; `run`: it happened in this process (not a line replayed from before);
   * `room`: the session it is about, whose own tally gets the same sums.
   */
  apply(seq: number, at: number, counts: Counts, key: string | null, run: boolean, room?: Room): void {
    const r = run ? 1 : 0;
    const sum = this.#db.prepare(
      `INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET
       total = total + excluded.total, run = run + excluded.run`,
    );
    const max = this.#db.prepare(
      `INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET
       total = max(total, excluded.total), run = max(run, excluded.run)`,
    );
    immediateTransaction(this.#db, () => {
      for (const [name, n] of Object.entries(counts.add)) sum.run(name, n, n * r);
      for (const [name, n] of Object.entries(counts.max)) max.run(name, n, n * r);
      if (room) this.#addToRoom(room, counts);
      if (key) this.#db.prepare("INSERT OR IGNORE INTO event_keys VALUES (?, ?)").run(key, at);
      this.#db.prepare("INSERT OR REPLACE INTO counter_meta VALUES ('last_seq', ?)").run(seq);
    });
  }

  #addToRoom(room: Room, counts: Counts): void {
    const q = this.#db.prepare(
      "INSERT INTO room_counts VALUES (?, ?, ?) ON CONFLICT(room, name) DO UPDATE SET n = n + excluded.n",
    );
    for (const [name, n] of Object.entries(counts.add)) q.run(room.room, name, n);
    if (room.reason) q.run(room.room, `${REASON}${room.reason.slice(0, 200)}`, 1);
  }

  tally(room: string): RoomTally {
    const rows = this.#db.prepare("SELECT name, n FROM room_counts WHERE room = ? ORDER BY name").all(room);
    const counts: Record<string, number> = {};
    const fallbackReasons: string[] = [];
    for (const { name, n } of rows.map((r) => RoomRow.parse(r))) {
      if (name.startsWith(REASON)) fallbackReasons.push(name.slice(REASON.length));
      else counts[name] = n;
    }
    return { counts, fallbackReasons: fallbackReasons.slice(0, 8) };
  }

  /** A new bridge process: "since start" begins at zero. */
  startRun(): void {
    this.#db.exec("UPDATE counters SET run = 0");
  }

  snapshot(): CounterSnapshot {
    const rows = this.#db.prepare("SELECT name, total, run FROM counters ORDER BY name").all();
    const sinceInstall: Record<string, number> = {};
    const sinceStart: Record<string, number> = {};
    for (const row of rows.map((x) => Row.parse(x))) {
      sinceInstall[row.name] = row.total;
      if (row.run !== 0) sinceStart[row.name] = row.run;
    }
    return { sinceInstall, sinceStart, installedAt: this.#meta("installed_at") ?? 0 };
  }

  close(): void {
    this.#db.close();
  }

  #meta(key: string): number | null {
    const row = this.#db.prepare("SELECT value FROM counter_meta WHERE key = ?").get(key);
    return row ? Value.parse(row).value : null;
  }
}
