import { DatabaseSync } from "node:sqlite";
import {
  type AttachmentChunk,
  type AttachmentRef,
  Attachments,
  type ChainLink,
  type PermissionMode,
  type SessionState,
} from "../../shared/protocol/index.ts";
import { ensurePrivateFile } from "../private-files.ts";
import type { Held, Hold } from "./session-types.ts";
import { type SavedTodos, savedTodosOf } from "./todo-tools.ts";

export type { SessionState };

export type SessionRecord = {
  room: string;
  cwd: string;
  title: string;
  claudeSessionId: string | null;
  transitionedFrom: string | null;
  state: SessionState;
  permissionMode: PermissionMode;
  model: string | null;
  createdAt: number;
  updatedAt: number;
};

/**
 * A message for Claude: a user.message of the room, the first prompt of machine.create_session
 * (its text is not in the session room, so turn.started carries it), or a command the bridge turns
 * into one (e.g. /clear, which gets no turn.started/turn.result).
 */
export type InputRecord = {
  room: string;
  mid: string;
  text: string;
  kind: "message" | "prompt" | "command";
  /** `held`: stopped by a usage limit or the account; it continues later (table holds says why). */
  state: "pending" | "started" | "held" | "done";
  /** The files of a user.message, checked when it was accepted (docs/protocol.md §9.5.1). */
  attachments?: AttachmentRef[];
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions(room TEXT PRIMARY KEY, cwd TEXT NOT NULL, title TEXT NOT NULL,
  claude_session_id TEXT, transitioned_from TEXT, state TEXT NOT NULL, permission_mode TEXT NOT NULL,
  model TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS transitions(room TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL,
  reason TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(room, from_id));
CREATE TABLE IF NOT EXISTS inputs(n INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, mid TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests(mid TEXT PRIMARY KEY, room TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS processes(room TEXT PRIMARY KEY, pid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS permissions(request_id TEXT PRIMARY KEY, room TEXT NOT NULL, input_mid TEXT);
CREATE TABLE IF NOT EXISTS allowances(room TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(room, kind, value));
CREATE TABLE IF NOT EXISTS holds(mid TEXT PRIMARY KEY, hold TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS session_options(room TEXT PRIMARY KEY, auto_continue INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS todo_lists(room TEXT PRIMARY KEY, claude_session_id TEXT NOT NULL, todos TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attachment_chunks(room TEXT NOT NULL, id TEXT NOT NULL, idx INTEGER NOT NULL,
  count INTEGER NOT NULL, data TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(room, id, idx));
`;

/** Chunks no message named for this long are dropped when the bridge starts. */
const CHUNK_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Every session the bridge knows, its /clear chain, the inputs it accepted and the permission
 * prompts still open. SQLite with synchronous=FULL: each write is atomic and durable when it returns.
 */
export class Registry {
  #db: DatabaseSync;

  constructor(path: string) {
    ensurePrivateFile(path);
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    this.#db.exec(SCHEMA);
    // Registries written before attachments: the column is added once.
    const cols = this.#db.prepare("PRAGMA table_info(inputs)").all();
    if (!cols.some((c) => c.name === "attachments"))
      this.#db.exec("ALTER TABLE inputs ADD COLUMN attachments TEXT");
    this.#db.prepare("DELETE FROM attachment_chunks WHERE at < ?").run(Date.now() - CHUNK_TTL_MS);
  }

  all(): SessionRecord[] {
    return this.#db.prepare("SELECT * FROM sessions ORDER BY created_at").all().map(toSession);
  }

  get(room: string): SessionRecord | null {
    const row = this.#db.prepare("SELECT * FROM sessions WHERE room = ?").get(room);
    return row ? toSession(row) : null;
  }

  put(s: SessionRecord): void {
    this.#db
      .prepare(
        `INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(room) DO UPDATE SET cwd=excluded.cwd,
         title=excluded.title, claude_session_id=excluded.claude_session_id, transitioned_from=excluded.transitioned_from,
         state=excluded.state, permission_mode=excluded.permission_mode, model=excluded.model, updated_at=excluded.updated_at`,
      )
      .run(
        s.room,
        s.cwd,
        s.title,
        s.claudeSessionId,
        s.transitionedFrom,
        s.state,
        s.permissionMode,
        s.model,
        s.createdAt,
        s.updatedAt,
      );
  }

  /** Records `from → to` and makes `to` the session's current Claude session. */
  transition(room: string, from: string, to: string, reason: string, at: number): void {
    this.#db.exec("BEGIN");
    try {
      this.#db
        .prepare("INSERT OR REPLACE INTO transitions VALUES (?,?,?,?,?)")
        .run(room, from, to, reason, at);
      this.#db
        .prepare(
          "UPDATE sessions SET claude_session_id = ?, transitioned_from = ?, updated_at = ? WHERE room = ?",
        )
        .run(to, from, at, room);
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  /** The chain of Claude sessions of a room, oldest first. */
  chain(room: string): ChainLink[] {
    const rows = this.#db
      .prepare("SELECT from_id, to_id FROM transitions WHERE room = ? ORDER BY at")
      .all(room);
    return rows.map((r) => ({ claudeSessionId: String(r.from_id), transitionedTo: String(r.to_id) }));
  }

  /** Accepts an input once per mid (a replayed message is ignored). */
  addInput(
    room: string,
    mid: string,
    text: string,
    kind: InputRecord["kind"] = "message",
    attachments: AttachmentRef[] = [],
  ): boolean {
    const files = attachments.length > 0 ? JSON.stringify(attachments) : null;
    const r = this.#db
      .prepare(
        "INSERT OR IGNORE INTO inputs(room, mid, text, kind, state, attachments) VALUES (?,?,?,?,'pending',?)",
      )
      .run(room, mid, text, kind, files);
    return r.changes > 0;
  }

  /** Keeps an applied attachment.chunk until the message naming it is done; the first of an index stays. */
  addChunk(room: string, c: AttachmentChunk): void {
    this.#db
      .prepare("INSERT OR IGNORE INTO attachment_chunks VALUES (?,?,?,?,?,?)")
      .run(room, c.id, c.index, c.count, c.data, Date.now());
  }

  /** Drops every chunk kept for the room: an ended session runs no message that could name them. */
  dropChunks(room: string): void {
    this.#db.prepare("DELETE FROM attachment_chunks WHERE room = ?").run(room);
  }

  /** The attachments an input was accepted with (none for most). */
  inputAttachments(mid: string): AttachmentRef[] {
    const row = this.#db.prepare("SELECT attachments FROM inputs WHERE mid = ?").get(mid);
    return attachmentsOf(row?.attachments) ?? [];
  }

  /** The room's chunks of the attachments `ids`. */
  chunks(room: string, ids: readonly string[]): AttachmentChunk[] {
    const q = this.#db.prepare(
      "SELECT id, idx, count, data FROM attachment_chunks WHERE room = ? AND id = ?",
    );
    return ids.flatMap((id) =>
      q.all(room, id).map((r) => ({
        id: String(r.id),
        index: Number(r.idx),
        count: Number(r.count),
        data: String(r.data),
      })),
    );
  }

  hasInput(mid: string): boolean {
    return this.#db.prepare("SELECT 1 FROM inputs WHERE mid = ?").get(mid) !== undefined;
  }

  inputs(room: string, state: InputRecord["state"]): InputRecord[] {
    const rows = this.#db
      .prepare(
        "SELECT room, mid, text, kind, state, attachments FROM inputs WHERE room = ? AND state = ? ORDER BY n",
      )
      .all(room, state);
    return rows.map((r) => {
      const input: InputRecord = {
        room: String(r.room),
        mid: String(r.mid),
        text: String(r.text),
        kind: r.kind as InputRecord["kind"],
        state: r.state as InputRecord["state"],
      };
      const files = attachmentsOf(r.attachments);
      if (files) input.attachments = files;
      return input;
    });
  }

  /** The room a create_session request made, so a replayed request creates nothing twice. */
  roomOfRequest(mid: string): string | null {
    const row = this.#db.prepare("SELECT room FROM requests WHERE mid = ?").get(mid);
    return row ? String(row.room) : null;
  }

  recordRequest(mid: string, room: string): void {
    this.#db.prepare("INSERT OR IGNORE INTO requests VALUES (?, ?)").run(mid, room);
  }

  /** A done input's attachment chunks go with it (a held or restarted one still needs them). */
  setInput(mid: string, state: InputRecord["state"]): void {
    this.#db.prepare("UPDATE inputs SET state = ? WHERE mid = ?").run(state, mid);
    this.#db.prepare("DELETE FROM holds WHERE mid = ?").run(mid);
    if (state !== "done") return;
    const row = this.#db.prepare("SELECT room, attachments FROM inputs WHERE mid = ?").get(mid);
    const drop = this.#db.prepare("DELETE FROM attachment_chunks WHERE room = ? AND id = ?");
    for (const a of attachmentsOf(row?.attachments) ?? []) drop.run(String(row?.room), a.id);
  }

  /** The input waits (state `held`) for the reason given; both written at once. */
  hold(mid: string, hold: Hold): void {
    this.#db.exec("BEGIN");
    try {
      this.#db.prepare("UPDATE inputs SET state = 'held' WHERE mid = ?").run(mid);
      this.#db.prepare("INSERT OR REPLACE INTO holds VALUES (?, ?)").run(mid, JSON.stringify(hold));
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  /** The room's held input with why it waits (a session holds at most one). */
  held(room: string): Held | null {
    const input = this.inputs(room, "held")[0];
    if (!input) return null;
    const row = this.#db.prepare("SELECT hold FROM holds WHERE mid = ?").get(input.mid);
    // Written only by hold(), from a typed Hold.
    const hold = row ? (JSON.parse(String(row.hold)) as Hold) : { t: "limit" as const, resetsAt: 0 };
    const files = input.attachments ? { files: true as const } : {};
    return { input: { mid: input.mid, text: input.text, kind: input.kind, ...files }, hold };
  }

  /** Whether a usage-limited input of the room continues by itself after the reset (default `fallback`). */
  autoContinue(room: string, fallback: boolean): boolean {
    const row = this.#db.prepare("SELECT auto_continue FROM session_options WHERE room = ?").get(room);
    return row ? Number(row.auto_continue) === 1 : fallback;
  }

  setAutoContinue(room: string, on: boolean): void {
    this.#db.prepare("INSERT OR REPLACE INTO session_options VALUES (?, ?)").run(room, on ? 1 : 0);
  }

  /** The todo list kept with Claude Code's task tools (todo-tools.ts), and the Claude session it is of. */
  todoList(room: string): SavedTodos | null {
    const row = this.#db.prepare("SELECT claude_session_id, todos FROM todo_lists WHERE room = ?").get(room);
    return row ? savedTodosOf(String(row.claude_session_id), String(row.todos)) : null;
  }

  setTodoList(room: string, saved: SavedTodos): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO todo_lists VALUES (?, ?, ?)")
      .run(room, saved.claudeSessionId, JSON.stringify(saved.todos));
  }

  openPermission(requestId: string, room: string, inputMid: string | null): void {
    this.#db.prepare("INSERT OR REPLACE INTO permissions VALUES (?,?,?)").run(requestId, room, inputMid);
  }

  closePermission(requestId: string): void {
    this.#db.prepare("DELETE FROM permissions WHERE request_id = ?").run(requestId);
  }

  openPermissions(room: string): string[] {
    return this.#db
      .prepare("SELECT request_id FROM permissions WHERE room = ?")
      .all(room)
      .map((r) => String(r.request_id));
  }

  /**
   * "Allow for this session" rules (allowances.ts), enforced by the bridge for every process of the
   * session. Rows of kind `tool` are the allow rules older versions kept; they are read as rules too.
   */
  addGrant(room: string, rules: readonly string[]): void {
    const add = this.#db.prepare("INSERT OR IGNORE INTO allowances VALUES (?, 'rule', ?)");
    for (const r of rules) add.run(room, r);
  }

  grants(room: string): string[] {
    return this.#db
      .prepare("SELECT value FROM allowances WHERE room = ? AND kind IN ('rule', 'tool') ORDER BY rowid")
      .all(room)
      .map((r) => String(r.value));
  }

  /** False when the session holds no such rule. */
  revokeGrant(room: string, rule: string): boolean {
    const r = this.#db
      .prepare("DELETE FROM allowances WHERE room = ? AND kind IN ('rule', 'tool') AND value = ?")
      .run(room, rule);
    return Number(r.changes) > 0;
  }

  /** The pid of a room's live Claude CLI (null once it exited). */
  setPid(room: string, pid: number | null): void {
    if (pid === null) this.#db.prepare("DELETE FROM processes WHERE room = ?").run(room);
    else this.#db.prepare("INSERT OR REPLACE INTO processes VALUES (?, ?)").run(room, pid);
  }

  pid(room: string): number | null {
    const row = this.#db.prepare("SELECT pid FROM processes WHERE room = ?").get(room);
    return row ? Number(row.pid) : null;
  }

  close(): void {
    this.#db.close();
  }
}

/** Rows are written only by `put`, from typed records: state and mode are read back as such. */
function toSession(r: Record<string, unknown>): SessionRecord {
  return {
    room: String(r.room),
    cwd: String(r.cwd),
    title: String(r.title),
    claudeSessionId: r.claude_session_id == null ? null : String(r.claude_session_id),
    transitionedFrom: r.transitioned_from == null ? null : String(r.transitioned_from),
    state: String(r.state) as SessionState,
    permissionMode: String(r.permission_mode) as PermissionMode,
    model: r.model == null ? null : String(r.model),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Written only by addInput from parsed attachments. */
function attachmentsOf(v: unknown): AttachmentRef[] | null {
  if (typeof v !== "string") return null;
  return Attachments.safeParse(JSON.parse(v)).data ?? null;
}
