import { type SessionTask, TaskLimits, type TodoItem, TodoStatus } from "../../shared/protocol/index.ts";
import type { TaskEvent } from "../claude/map-tasks.ts";

type Tracked = SessionTask & { visible: boolean };

/**
 * A session's subagents and background tasks as the CLI reports them, folded into the list the
 * phone is sent (session.tasks). Pure: events in, "did the list change" out; the clock is passed.
 * Foreground shell commands are tasks to the CLI too, but their tool cards already show them: they
 * are listed only once moved to the background.
 */
export class TaskBook {
  #tasks = new Map<string, Tracked>();

  /** Applies one event; true when the list the phone sees changed. */
  apply(ev: TaskEvent, now: number): boolean {
    switch (ev.e) {
      case "started":
        return this.#started(ev, now);
      case "progress":
        return this.#patch(
          ev.id,
          ev.summary ? { summary: clipText(ev.summary, TaskLimits.summaryChars) } : {},
        );
      case "updated":
        return this.#updated(ev, now);
      case "ended":
        return this.#end(ev.id, ev.status, now, ev.summary);
      case "level":
        return false;
    }
  }

  /** Every running task ends as stopped (its process is gone); true when the list changed. */
  stopAll(now: number, summary: string): boolean {
    let changed = false;
    for (const t of [...this.#tasks.values()])
      if (t.status === "running") changed = this.#end(t.id, "stopped", now, summary) || changed;
    return changed;
  }

  isRunning(id: string): boolean {
    const t = this.#tasks.get(id);
    return t?.visible === true && t.status === "running";
  }

  running(): SessionTask[] {
    return this.list().filter((t) => t.status === "running");
  }

  /** What session.tasks lists: running tasks first by start, then the latest ended ones, bounded. */
  list(): SessionTask[] {
    const shown = [...this.#tasks.values()].filter((t) => t.visible);
    const running = shown.filter((t) => t.status === "running");
    const ended = shown
      .filter((t) => t.status !== "running")
      .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    return [...running, ...ended].slice(0, TaskLimits.tasks).map(({ visible: _, ...t }) => t);
  }

  #started(ev: Extract<TaskEvent, { e: "started" }>, now: number): boolean {
    const agent = ev.type === "local_agent";
    const task: Tracked = {
      id: ev.id.slice(0, TaskLimits.idChars),
      kind: agent ? "agent" : ev.type.replace(/^local_/, "").slice(0, 32),
      description: clipText(ev.description, TaskLimits.descriptionChars),
      status: "running",
      startedAt: now,
      visible: !ev.ambient && (agent || ev.background),
    };
    if (ev.toolUseId) task.toolUseId = ev.toolUseId.slice(0, TaskLimits.idChars);
    if (ev.parentId) task.parentId = ev.parentId.slice(0, TaskLimits.idChars);
    if (ev.background) task.background = true;
    this.#tasks.set(task.id, task);
    this.#forget();
    return task.visible;
  }

  #updated(ev: Extract<TaskEvent, { e: "updated" }>, now: number): boolean {
    const t = this.#tasks.get(ev.id);
    if (!t) return false;
    let changed = false;
    if (ev.background === true && !t.background) {
      t.background = true;
      t.visible = true;
      changed = true;
    }
    const status = endStatus(ev.status);
    if (status) changed = this.#end(ev.id, status, now, ev.error ?? undefined) || changed;
    return changed;
  }

  #end(id: string, status: "completed" | "failed" | "stopped", now: number, summary?: string): boolean {
    const t = this.#tasks.get(id);
    if (!t) return false;
    const was = t.status;
    // The first word on how it ended stands (task_updated comes before its task_notification).
    if (was === "running") {
      t.status = status;
      t.endedAt = now;
    }
    const before = t.summary;
    if (summary) t.summary = clipText(summary, TaskLimits.summaryChars);
    if (!t.visible) this.#tasks.delete(id);
    return t.visible && (was !== t.status || before !== t.summary);
  }

  #patch(id: string, change: Partial<SessionTask>): boolean {
    const t = this.#tasks.get(id);
    if (!t || Object.keys(change).length === 0) return false;
    const changed = Object.entries(change).some(([k, v]) => t[k as keyof SessionTask] !== v);
    Object.assign(t, change);
    return changed && t.visible;
  }

  /** Keeps the book bounded: ended tasks beyond what the list shows are forgotten. */
  #forget(): void {
    const keep = new Set(this.list().map((t) => t.id));
    for (const t of [...this.#tasks.values()])
      if (t.status !== "running" && !keep.has(t.id)) this.#tasks.delete(t.id);
  }
}

function endStatus(s: string | null): "completed" | "failed" | "stopped" | null {
  if (s === "completed" || s === "failed") return s;
  if (s === "killed") return "stopped";
  return null;
}

export function clipText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The checklist in a TodoWrite call's input, bounded; null when the input is not a todo list
 * (Claude's input is parsed like any other, never trusted).
 */
export function todosOf(input: unknown): TodoItem[] | null {
  if (typeof input !== "object" || input === null) return null;
  const todos = (input as { todos?: unknown }).todos;
  if (!Array.isArray(todos)) return null;
  const items: TodoItem[] = [];
  for (const x of todos.slice(0, TaskLimits.todos)) {
    const item = todoOf(x);
    if (!item) return null;
    items.push(item);
  }
  return items;
}

function todoOf(x: unknown): TodoItem | null {
  if (typeof x !== "object" || x === null) return null;
  const { content, status, activeForm } = x as Record<string, unknown>;
  const s = TodoStatus.safeParse(status);
  if (typeof content !== "string" || !s.success) return null;
  const item: TodoItem = { content: clipText(content, TaskLimits.todoChars), status: s.data };
  if (typeof activeForm === "string" && activeForm)
    item.activeForm = clipText(activeForm, TaskLimits.todoChars);
  return item;
}
