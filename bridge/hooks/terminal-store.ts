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
  /** The terminal ended and the phone continued the session: the SDK runner runs it in this room. */
  handedOff: boolean;
  /** The terminal's Claude Code process, while it runs (null once it ended, or when unknown). */
  claudePid: number | null;
  /** When that process started (processStart), so a reused pid is not taken for it; null if unknown. */
  claudeStarted: string | null;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS terminal_sessions(claude_session_id TEXT PRIMARY KEY, room TEXT NOT NULL UNIQUE,
  cursor INTEGER NOT NULL, input_mid TEXT, input_at INTEGER, handed_off INTEGER NOT NULL DEFAULT 0);
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
    const columns = this.#db.prepare("PRAGMA table_info(terminal_sessions)").all();
    if (!columns.some((c) => c.name === "handed_off"))
      this.#db.exec("ALTER TABLE terminal_sessions ADD COLUMN handed_off INTEGER NOT NULL DEFAULT 0");
    if (!columns.some((c) => c.name === "claude_pid"))
      this.#db.exec("ALTER TABLE terminal_sessions ADD COLUMN claude_pid INTEGER");
    if (!columns.some((c) => c.name === "claude_started"))
      this.#db.exec("ALTER TABLE terminal_sessions ADD COLUMN claude_started TEXT");
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

  /** A room of a terminal's Claude session, handed off or not: the terminal sessions open it. */
  isTerminal(room: string): boolean {
    return this.byRoom(room) !== null;
  }

  /** The rooms the phone continued after their terminal ended (the SDK runner runs them). */
  handedOff(): TerminalRecord[] {
    return this.#db.prepare("SELECT * FROM terminal_sessions WHERE handed_off = 1").all().map(toRecord);
  }

  /** The sessions whose terminal process is known and has not ended: checked for a silent death. */
  withPid(): TerminalRecord[] {
    return this.#db
      .prepare("SELECT * FROM terminal_sessions WHERE claude_pid IS NOT NULL AND handed_off = 0")
      .all()
      .map(toRecord);
  }

  setPid(room: string, pid: number | null, started: string | null = null): void {
    this.#db
      .prepare("UPDATE terminal_sessions SET claude_pid = ?, claude_started = ? WHERE room = ?")
      .run(pid, pid === null ? null : started, room);
  }

  /** Hands the room to the SDK runner, or back to the terminal with the transcript read up to `cursor`. */
  setHandedOff(room: string, on: boolean, cursor?: number): void {
    this.#db
      .prepare("UPDATE terminal_sessions SET handed_off = ?, cursor = COALESCE(?, cursor) WHERE room = ?")
      .run(on ? 1 : 0, cursor ?? null, room);
  }

  add(claudeSessionId: string, room: string): TerminalRecord {
    this.#db
      .prepare("INSERT OR IGNORE INTO terminal_sessions(claude_session_id, room, cursor) VALUES (?, ?, 0)")
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
    handedOff: Number(r.handed_off) === 1,
    claudePid: r.claude_pid == null ? null : Number(r.claude_pid),
    claudeStarted: r.claude_started == null ? null : String(r.claude_started),
  };
}
