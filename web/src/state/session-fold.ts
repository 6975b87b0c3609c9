import type {
  AttachmentRef,
  StoredMsg,
  TolerantPermissionRequest,
  TolerantPermissionResolved,
  TolerantSessionInfo,
  TolerantSessionNotice,
  TolerantSessionStatus,
  TolerantSessionTask,
  TolerantSessionTodos,
  TolerantSessionUsage,
  TolerantTurnResult,
  ToolResult,
} from "../../../shared/protocol/index.ts";
import { itemsFor, shownAsChecklist } from "./agents-fold.ts";
import { readBody } from "./bodies.ts";
import { type Unopened, unopenedReason } from "./unopened.ts";

/**
 * The session room's log folded into what the session page shows. Pure: the same log, outbox and
 * streams always give the same view, so a reload (which rebuilds it from IndexedDB) shows the
 * same screen, pending permission prompt included.
 */

export type UserStatus = "sending" | "sent" | "delivered" | "done" | "not_run" | "failed";

export type Item =
  | {
      t: "user";
      key: string;
      mid: string;
      text: string;
      status: UserStatus;
      at: number;
      note?: string;
      /** The files sent with it (their names and previews), §9.5.1. */
      files?: readonly AttachmentRef[];
      /** While its files are on the way from this tab: chunks the relay holds, of all. */
      upload?: { done: number; total: number };
      /**
       * The first prompt given with machine.create_session: no user.message carries it here. Its
       * text comes with turn.started; empty when an older bridge left it out.
       */
      initial?: boolean;
    }
  | { t: "text"; key: string; text: string; streaming?: boolean; truncated?: boolean }
  | { t: "thinking"; key: string; text: string }
  | { t: "tool"; key: string; tool: ToolCall }
  | { t: "turn"; key: string; result: TolerantTurnResult }
  | { t: "notice"; key: string; notice: TolerantSessionNotice }
  | { t: "transition"; key: string; from: string; to: string; at: number }
  /** A message this phone could not open (docs/protocol.md §12.3): never read as genuine. */
  | { t: "unverified"; key: string; mid: string; kind: string; reason: Unopened }
  /** Claude Code summarised the conversation (session.compacted). */
  | { t: "compacted"; key: string; trigger: string; preTokens: number; postTokens?: number };

export type ToolCall = {
  id: string;
  name: string;
  input: unknown;
  result: ToolResult | null;
  decision: TolerantPermissionResolved | null;
  /** A permission prompt for this call is open. */
  asking: boolean;
  /**
   * Its turn failed before its result came (e.g. the bridge was killed while it ran): it may or
   * may not have run, and nothing will tell.
   */
  interrupted: boolean;
  /** A subagent's (Task call's) own output: tool calls and text that name it as their parent. */
  children?: Item[];
};

export type SessionView = {
  info: TolerantSessionInfo | null;
  status: TolerantSessionStatus | null;
  /** The account's usage windows as last reported (session.usage). */
  usage: TolerantSessionUsage | null;
  items: Item[];
  /**
   * Prompts the bridge has not resolved and this tab is not answering, oldest first: the sheet
   * shows the first. A response stored in the log does not close a prompt (the bridge may refuse
   * it); only its permission.resolved does.
   */
  pending: TolerantPermissionRequest[];
  /** Prompts this tab's own answer is on its way for (in the outbox, or stored and not refused). */
  answered: TolerantPermissionRequest[];
  /** requestId → why the bridge refused the last response to it (shown with the prompt). */
  refusals: ReadonlyMap<string, string>;
  /** A turn is in progress (interrupt makes sense). */
  running: boolean;
  /** When the bridge last wrote to this room. */
  lastBridgeAt: number | null;
  /** Claude's latest todo list (session.todos), if it made one. */
  todos: TolerantSessionTodos | null;
  /** The latest list of subagents and background tasks (session.tasks). */
  tasks: TolerantSessionTask[];
};

/**
 * The part that depends on the log only. Pages keep it in its own computed signal, so a streamed
 * delta (several a second) costs an overlay, not a fold of the whole log.
 */
export function foldStored(msgs: readonly StoredMsg[]): StoredSession {
  const f = new StoredSession();
  // Only with the room's very first message in view can a turn without a user.message be the first prompt.
  f.fromStart = msgs[0]?.seq === 1;
  for (const m of msgs) f.apply(m);
  return f;
}

export class StoredSession {
  info: TolerantSessionInfo | null = null;
  status: TolerantSessionStatus | null = null;
  usage: TolerantSessionUsage | null = null;
  items: Item[] = [];
  users = new Map<string, Extract<Item, { t: "user" }>>();
  tools = new Map<string, ToolCall>();
  blocksOf = new Map<string, number>();
  requests = new Map<string, TolerantPermissionRequest>();
  /** requestId → mids of stored responses the bridge has not refused (yet). */
  responses = new Map<string, string[]>();
  refusals = new Map<string, string>();
  resolved = new Map<string, TolerantPermissionResolved>();
  openTurns = new Set<string>();
  /** Tool calls since the last turn.result (turns of a session run one at a time). */
  turnTools: ToolCall[] = [];
  lastBridgeAt: number | null = null;
  fromStart = false;
  todos: TolerantSessionTodos | null = null;
  tasks: TolerantSessionTask[] = [];

  apply(m: StoredMsg): void {
    if (m.role === "bridge") this.lastBridgeAt = m.ts;
    const key = String(m.seq);
    const unopened = unopenedReason(m.body);
    if (unopened) {
      this.items.push({ t: "unverified", key, mid: m.mid, kind: m.kind, reason: unopened });
      return;
    }
    switch (m.kind) {
      case "user.message":
        return this.#user(m, key);
      case "agent.message":
        return this.#agent(m.body, key);
      case "tool.result":
        return this.#toolResult(m.body, key);
      case "turn.started": {
        const b = readBody("turn.started", m.body);
        if (!b) return;
        this.openTurns.add(b.inputMid);
        // The first prompt: its text comes with the turn; older bridges left it out (then only a
        // turn at the room's very start can be that prompt).
        if (!this.users.has(b.inputMid) && (b.text !== undefined || this.fromStart))
          this.#initialPrompt(b.inputMid, b.text, m, key);
        return this.#setUser(b.inputMid, "delivered");
      }
      case "turn.result":
        return this.#turnResult(m.body, key);
      case "permission.request":
        return this.#request(m.body);
      case "permission.response": {
        const b = readBody("permission.response", m.body);
        if (b) this.responses.set(b.requestId, [...(this.responses.get(b.requestId) ?? []), m.mid]);
        return;
      }
      case "permission.resolved":
        return this.#resolved(m.body);
      case "session.notice":
        return this.#notice(m.body, key);
      case "session.transition": {
        const b = readBody("session.transition", m.body);
        if (b)
          this.items.push({
            t: "transition",
            key,
            from: b.fromClaudeSessionId,
            to: b.toClaudeSessionId,
            at: b.at,
          });
        return;
      }
      case "session.info":
        this.info = readBody("session.info", m.body) ?? this.info;
        return;
      case "session.compacted": {
        const b = readBody("session.compacted", m.body);
        if (b)
          this.items.push({ t: "compacted", key, trigger: b.trigger, preTokens: b.preTokens, ...post(b) });
        return;
      }
      case "session.status":
        this.status = readBody("session.status", m.body) ?? this.status;
        return;
      case "session.todos":
        this.todos = readBody("session.todos", m.body) ?? this.todos;
        return;
      case "session.tasks":
        this.tasks = readBody("session.tasks", m.body)?.tasks ?? this.tasks;
        return;
      case "session.usage":
        this.usage = readBody("session.usage", m.body) ?? this.usage;
        return;
    }
  }

  #user(m: StoredMsg, key: string): void {
    const b = readBody("user.message", m.body);
    if (!b || this.users.has(m.mid)) return;
    const item: Extract<Item, { t: "user" }> = {
      t: "user",
      key,
      mid: m.mid,
      text: b.text,
      status: "sent",
      at: m.ts,
      ...(b.attachments ? { files: b.attachments } : {}),
    };
    this.users.set(m.mid, item);
    this.items.push(item);
  }

  /** A turn that opens the room without a user.message was started by the create request's prompt. */
  #initialPrompt(mid: string, text: string | undefined, m: StoredMsg, key: string): void {
    const item: Extract<Item, { t: "user" }> = {
      t: "user",
      key,
      mid,
      text: text ?? "",
      status: "delivered",
      at: m.ts,
      initial: true,
    };
    this.users.set(mid, item);
    this.items.push(item);
  }

  /** Several agent.message frames share an id (one per content block): their blocks append in order. */
  #agent(body: unknown, key: string): void {
    const b = readBody("agent.message", body);
    if (!b) return;
    this.blocksOf.set(b.id, (this.blocksOf.get(b.id) ?? 0) + b.blocks.length);
    const items = itemsFor(this.tools, this.items, b.parentToolUseId);
    b.blocks.forEach((block, i) => {
      const k = `${key}.${i}`;
      if (block.type === "text") {
        const truncated = block.truncated === true;
        items.push({ t: "text", key: k, text: block.text, ...(truncated ? { truncated } : {}) });
      } else if (block.type === "thinking") items.push({ t: "thinking", key: k, text: block.text });
      else {
        const tool: ToolCall = {
          id: block.id,
          name: block.name,
          input: block.input,
          result: null,
          decision: null,
          asking: false,
          interrupted: false,
        };
        this.tools.set(block.id, tool);
        this.turnTools.push(tool);
        if (!shownAsChecklist(block.name, b.parentToolUseId)) items.push({ t: "tool", key: k, tool });
      }
    });
  }

  #toolResult(body: unknown, key: string): void {
    const b = readBody("tool.result", body);
    if (!b) return;
    const tool = this.tools.get(b.toolUseId);
    if (tool) tool.result = b;
    else {
      // Its tool_use lies before the loaded part of the log: show the result on its own.
      const orphan: ToolCall = {
        id: b.toolUseId,
        name: "Tool",
        input: null,
        result: b,
        decision: null,
        asking: false,
        interrupted: false,
      };
      itemsFor(this.tools, this.items, b.parentToolUseId).push({ t: "tool", key, tool: orphan });
    }
  }

  #turnResult(body: unknown, key: string): void {
    const b = readBody("turn.result", body);
    if (!b) return;
    if (b.inputMid) {
      this.openTurns.delete(b.inputMid);
      this.#setUser(b.inputMid, "done");
    }
    if (!b.ok) for (const tool of this.turnTools) tool.interrupted = tool.result === null;
    this.turnTools = [];
    this.items.push({ t: "turn", key, result: b });
  }

  #request(body: unknown): void {
    const b = readBody("permission.request", body);
    if (!b || this.resolved.has(b.requestId)) return;
    this.requests.set(b.requestId, b);
    const tool = b.toolUseId ? this.tools.get(b.toolUseId) : undefined;
    if (tool) tool.asking = true;
  }

  #resolved(body: unknown): void {
    const b = readBody("permission.resolved", body);
    if (!b) return;
    this.resolved.set(b.requestId, b);
    const req = this.requests.get(b.requestId);
    this.requests.delete(b.requestId);
    const tool = req?.toolUseId ? this.tools.get(req.toolUseId) : undefined;
    if (tool) {
      tool.decision = b;
      tool.asking = false;
    }
  }

  #notice(body: unknown, key: string): void {
    const b = readBody("session.notice", body);
    if (!b) return;
    this.items.push({ t: "notice", key, notice: b });
    this.#refused(b);
    if (b.inputMid && (b.code === "session_ended" || b.code === "too_many_inputs")) {
      this.openTurns.delete(b.inputMid);
      this.#setUser(b.inputMid, "not_run", b.text);
    }
    // A terminal session's Claude got it at its Stop hook (§9.6.2): no turn.started names it.
    if (b.inputMid && b.code === "delivered_at_stop") this.#setUser(b.inputMid, "done");
    if (b.inputMid && b.code === "not_delivered") this.#setUser(b.inputMid, "not_run", b.text);
  }

  /** A notice that names a response (by its prompt or its mid) means the bridge refused it. */
  #refused(n: TolerantSessionNotice): void {
    if (n.requestId && this.requests.has(n.requestId)) {
      this.responses.delete(n.requestId);
      this.refusals.set(n.requestId, n.text);
    }
    if (n.mid)
      for (const [id, mids] of this.responses)
        if (mids.includes(n.mid)) {
          this.responses.set(
            id,
            mids.filter((x) => x !== n.mid),
          );
          this.refusals.set(id, n.text);
        }
  }

  #setUser(mid: string, status: UserStatus, note?: string): void {
    const u = this.users.get(mid);
    if (!u) return;
    u.status = status;
    if (note) u.note = note;
  }
}

function post(b: { postTokens?: number | undefined }): { postTokens?: number } {
  return b.postTokens === undefined ? {} : { postTokens: b.postTokens };
}
