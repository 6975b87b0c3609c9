import { z } from "zod";
import { TaskLimits, TodoItem, TodoStatus } from "../../shared/protocol/index.ts";
import { clipText } from "./task-book.ts";

/**
 * Claude's todo list when Claude Code keeps it with its task tools (TaskCreate, TaskUpdate,
 * TaskList) instead of TodoWrite. Measured with CLI 2.1.330: which family a session gets depends on
 * the model and on CLAUDE_CODE_ENABLE_TASKS / CLAUDE_CODE_ENABLE_TODO_TOOLS. A task tool's call
 * says what changes and its result confirms it (TaskCreate's names the new id), so a call counts
 * only once its result came back without an error. Pure: calls and results in, "did the list
 * change" out. Inputs and results are Claude's and the CLI's, parsed here, never trusted.
 */

export const TASK_TOOLS = new Set(["TaskCreate", "TaskUpdate", "TaskList"]);

const TodoEntry = TodoItem.extend({ id: z.string().min(1).max(TaskLimits.idChars) });
export type TodoEntry = z.infer<typeof TodoEntry>;

/** What the registry keeps across bridge restarts: the list, and the Claude session it belongs to. */
export type SavedTodos = { claudeSessionId: string; todos: TodoEntry[] };

/** The registry's row, parsed again (a file on disk is an input too); null when it does not parse. */
export function savedTodosOf(claudeSessionId: string, json: string): SavedTodos | null {
  try {
    const todos = z.array(TodoEntry).max(TaskLimits.todos).safeParse(JSON.parse(json));
    return todos.success ? { claudeSessionId, todos: todos.data } : null;
  } catch {
    return null;
  }
}

type Call =
  | { t: "create"; content: string; activeForm?: string }
  | { t: "update"; id: string; status?: TodoStatus | "deleted"; content?: string; activeForm?: string }
  | { t: "list" };

const MAX_PENDING = 64;

export class TodoTools {
  #items = new Map<string, TodoEntry>();
  #calls = new Map<string, Call>();

  constructor(saved: readonly TodoEntry[] = []) {
    for (const e of saved.slice(0, TaskLimits.todos)) this.#items.set(e.id, e);
  }

  /** A task tool call of Claude's main conversation; other tools are ignored. */
  onCall(name: string, toolUseId: string, input: unknown): void {
    const call = callOf(name, input);
    if (!call || !toolUseId) return;
    if (this.#calls.size >= MAX_PENDING) this.#calls.delete(this.#calls.keys().next().value as string);
    this.#calls.set(toolUseId, call);
  }

  /**
   * The result of a call seen by onCall: `text` is what the model read, `structured` the CLI's
   * own result object when it sent one. True when the list changed.
   */
  onResult(toolUseId: string, isError: boolean, text: string, structured: unknown): boolean {
    const call = this.#calls.get(toolUseId);
    if (!call) return false;
    this.#calls.delete(toolUseId);
    if (isError) return false;
    switch (call.t) {
      case "create":
        return this.#create(call, createdId(text, structured));
      case "update":
        return this.#update(call);
      case "list":
        return this.#replace(listOf(structured));
    }
  }

  list(): TodoEntry[] {
    return [...this.#items.values()];
  }

  #create(call: Extract<Call, { t: "create" }>, id: string | null): boolean {
    if (!id || this.#items.size >= TaskLimits.todos) return false;
    const { t: _, ...fields } = call;
    this.#items.set(id, { id, status: "pending", ...fields });
    return true;
  }

  #update(call: Extract<Call, { t: "update" }>): boolean {
    const item = this.#items.get(call.id);
    if (!item) return false;
    if (call.status === "deleted") return this.#items.delete(call.id);
    const next = { ...item };
    if (call.status) next.status = call.status;
    if (call.content) next.content = call.content;
    if (call.activeForm) next.activeForm = call.activeForm;
    this.#items.set(call.id, next);
    return JSON.stringify(next) !== JSON.stringify(item);
  }

  /** TaskList answers with the CLI's whole list: it replaces ours, keeping what it does not name. */
  #replace(listed: { id: string; content: string; status: TodoStatus }[] | null): boolean {
    if (!listed) return false;
    const before = JSON.stringify(this.list());
    const next = new Map<string, TodoEntry>();
    for (const l of listed.slice(0, TaskLimits.todos)) {
      const old = this.#items.get(l.id);
      next.set(l.id, { ...old, ...l });
    }
    this.#items = next;
    return JSON.stringify(this.list()) !== before;
  }
}

function callOf(name: string, input: unknown): Call | null {
  if (!TASK_TOOLS.has(name)) return null;
  if (name === "TaskList") return { t: "list" };
  if (typeof input !== "object" || input === null) return null;
  const x = input as Record<string, unknown>;
  const activeForm = text(x.activeForm);
  if (name === "TaskCreate") {
    const content = text(x.subject);
    return content ? { t: "create", content, ...(activeForm ? { activeForm } : {}) } : null;
  }
  const id = idOf(x.taskId);
  if (!id) return null;
  const status = x.status === "deleted" ? "deleted" : TodoStatus.safeParse(x.status).data;
  const content = text(x.subject);
  return {
    t: "update",
    id,
    ...(status ? { status } : {}),
    ...(content ? { content } : {}),
    ...(activeForm ? { activeForm } : {}),
  };
}

/** TaskCreate's result: `{task:{id}}`, or the text "Task #<id> created successfully: …". */
function createdId(text: string, structured: unknown): string | null {
  const task = (structured as { task?: { id?: unknown } } | null)?.task;
  return idOf(task?.id) ?? idOf(/^Task #(\S+) created/.exec(text)?.[1]);
}

/** TaskList's result: `{tasks:[{id, subject, status}]}`; null when it is not one. */
function listOf(structured: unknown): { id: string; content: string; status: TodoStatus }[] | null {
  const tasks = (structured as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks)) return null;
  const out: { id: string; content: string; status: TodoStatus }[] = [];
  for (const t of tasks) {
    const x = (typeof t === "object" && t !== null ? t : {}) as Record<string, unknown>;
    const id = idOf(x.id);
    const content = text(x.subject);
    const status = TodoStatus.safeParse(x.status).data;
    if (id && content && status) out.push({ id, content, status });
  }
  return out;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? clipText(v, TaskLimits.todoChars) : undefined;
}

function idOf(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 && v.length <= TaskLimits.idChars ? v : null;
}
