import type { TolerantSessionTask, TolerantTodoItem } from "../../../shared/protocol/index.ts";

/**
 * How subagents, background tasks and the todo list fold into the session view. Pure. A subagent
 * is a Task (or Agent) tool call: the calls and text it produces name that call as their
 * `parentToolUseId` and are kept as its children instead of in the conversation. The latest
 * session.todos and session.tasks are the truth.
 */

/** The tool names Claude Code runs a subagent with (`Agent` is the newer name of `Task`). */
const SUBAGENT_TOOLS = new Set(["Task", "Agent"]);
/**
 * The tools whose calls are shown as the pinned checklist instead of one card per update: TodoWrite,
 * or Claude Code's task tools where the session has those instead (docs/protocol.md §9.9).
 */
const CHECKLIST_TOOLS = new Set(["TodoWrite", "TaskCreate", "TaskUpdate", "TaskList"]);

export function isSubagent(name: string): boolean {
  return SUBAGENT_TOOLS.has(name);
}

/**
 * Where an item produced under `parent` goes: the children of that subagent's card when its call
 * is in view, else the conversation (its Task call lies before the loaded part of the log).
 */
export function itemsFor<I, T extends { children?: I[] }>(
  tools: ReadonlyMap<string, T>,
  top: I[],
  parent: unknown,
): I[] {
  if (typeof parent !== "string" || !parent) return top;
  const call = tools.get(parent);
  if (!call) return top;
  call.children ??= [];
  return call.children;
}

/** A todo-list call of the main conversation: the checklist shows it, not a card. */
export function shownAsChecklist(name: string, parent: unknown): boolean {
  return CHECKLIST_TOOLS.has(name) && !parent;
}

export type TodoCounts = { done: number; total: number; current: TolerantTodoItem | null };

export function todoCounts(todos: readonly TolerantTodoItem[]): TodoCounts {
  return {
    done: todos.filter((t) => t.status === "completed").length,
    total: todos.length,
    current: todos.find((t) => t.status === "in_progress") ?? null,
  };
}

/** The task a subagent's card shows: the one its Task call started. */
export function taskOf(tasks: readonly TolerantSessionTask[], toolUseId: string): TolerantSessionTask | null {
  return tasks.find((t) => t.toolUseId === toolUseId) ?? null;
}

/** What the Tasks strip lists: background work and subagents, running ones first (as the bridge sends). */
export function runningCount(tasks: readonly TolerantSessionTask[]): number {
  return tasks.filter((t) => t.status === "running").length;
}

/** Milliseconds a task has run (until now while it runs). */
export function elapsed(t: Pick<TolerantSessionTask, "startedAt" | "endedAt">, now: number): number {
  return Math.max(0, (t.endedAt ?? now) - t.startedAt);
}
