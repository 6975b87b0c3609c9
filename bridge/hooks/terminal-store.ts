import { DatabaseSync } from "node:sqlite";
import { ensurePrivateFile } from "../private-files.ts";
import { TerminalInbox } from "./terminal-inbox.ts";

/** A terminal session's room and how far its transcript has been mirrored into it. */
export type TerminalRecord = {
  claudeSessionId: string;
  room: string;
  /** Bytes of the transcript already sent to the room (whole lines only). */
  cursor: number;
  /** The turn.started mid of the prompt the terminal runs now (its turn.result names it). */
  inputMid: string | null;
  /** When that prompt was submitted (epoch ms), for the turn's duration. */
  inputAt: number | null;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS terminal_sessions(claude_session_id TEXT PRIMARY KEY, room TEXT NOT NULL UNIQUE,
  cursor INTEGER NOT NULL, input_mid TEXT, input_at INTEGER);
`;

/**
 * Which session rooms belong to a terminal's Claude process (not to the SDK runner), and each one's
 * transcript cursor. Its own table in the bridge's sessions.db, synchronous=FULL like the registry:
 * the cursor is written after the lines are queued in the durable outbox, and a crash in between
 * re-sends lines whose mids the relay already holds.
 */
export class TerminalStore {
  #db: DatabaseSync;
  /** Phones' messages waiting for a terminal session's next Stop hook. */
  readonly inbox: TerminalInbox;

  constructor(path: string) {
    ensurePrivateFile(path);
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
    this.#db.exec(SCHEMA);
    this.inbox = new TerminalInbox(this.#db);
  }

  byClaudeSession(id: string): TerminalRecord | null {
    const row = this.#db.prepare("SELECT * FROM terminal_sessions WHERE claude_session_id = ?").get(id);
    return row ? toRecord(row) : null;
  }

  byRoom(room: string): TerminalRecord | null {
    const row = this.#db.prepare("SELECT * FROM terminal_sessions WHERE room = ?").get(room);
    return row ? toRecord(row) : null;
  }

  isTerminal(room: string): boolean {
    return this.byRoom(room) !== null;
  }

  add(claudeSessionId: string, room: string): TerminalRecord {
    this.#db
      .prepare("INSERT OR IGNORE INTO terminal_sessions VALUES (?, ?, 0, NULL, NULL)")
      .run(claudeSessionId, room);
    const r = this.byClaudeSession(claudeSessionId);
    if (!r) throw new Error("terminal session row missing after insert");
    return r;
  }

  save(r: TerminalRecord): void {
    this.#db
      .prepare("UPDATE terminal_sessions SET cursor = ?, input_mid = ?, input_at = ? WHERE room = ?")
      .run(r.cursor, r.inputMid, r.inputAt, r.room);
  }

  close(): void {
    this.#db.close();
  }
}

/** Rows are written only by this class, from typed records. */
function toRecord(r: Record<string, unknown>): TerminalRecord {
  return {
    claudeSessionId: String(r.claude_session_id),
    room: String(r.room),
    cursor: Number(r.cursor),
    inputMid: r.input_mid == null ? null : String(r.input_mid),
    inputAt: r.input_at == null ? null : Number(r.input_at),
  };
}
