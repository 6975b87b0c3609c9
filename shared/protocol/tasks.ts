import { z } from "zod";

/**
 * Claude's todo list and the session's subagents and background tasks (docs/protocol.md §9.9).
 * Both are stored, and the latest body of each kind is the whole truth: a phone that reloads folds
 * the log and shows the last one. Sizes are bounded so a body always fits the relay's limit.
 */

export const TaskLimits = {
  todos: 100,
  todoChars: 500,
  tasks: 50,
  descriptionChars: 200,
  summaryChars: 1000,
  idChars: 128,
} as const;

export const TodoStatus = z.enum(["pending", "in_progress", "completed"]);
export type TodoStatus = z.infer<typeof TodoStatus>;

/** One entry of Claude's TodoWrite list: what to do, and its present-tense form while in progress. */
export const TodoItem = z.object({
  content: z.string().max(TaskLimits.todoChars),
  status: TodoStatus,
  activeForm: z.string().max(TaskLimits.todoChars).optional(),
});
export type TodoItem = z.infer<typeof TodoItem>;

/** Sent by the bridge each time Claude calls TodoWrite; `at`: when the bridge saw the call. */
export const SessionTodos = z.object({ todos: z.array(TodoItem).max(TaskLimits.todos), at: z.number() });
export type SessionTodos = z.infer<typeof SessionTodos>;

/** A status a newer bridge may add is shown by name; entries that do not parse are dropped one by one. */
export const TolerantTodoItem = TodoItem.extend({
  content: z.string(),
  status: z.string(),
  activeForm: z.string().nullable().optional(),
});
export type TolerantTodoItem = z.infer<typeof TolerantTodoItem>;

export const TolerantSessionTodos = z.object({
  todos: z.array(z.unknown()).transform((xs) => keep(xs, TolerantTodoItem)),
  at: z.number(),
});
export type TolerantSessionTodos = z.infer<typeof TolerantSessionTodos>;

export const TaskStatus = z.enum(["running", "completed", "failed", "stopped"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/**
 * A subagent (`kind: "agent"`) or a background task (`"bash"`, or the CLI's own type name for
 * others). `id`: what stop_task names. `toolUseId`: the tool call that started it (for a subagent,
 * the Task call its messages name as `parentToolUseId`). `parentId`: the subagent that started it.
 */
export const SessionTask = z.object({
  id: z.string().min(1).max(TaskLimits.idChars),
  kind: z.string().max(32),
  description: z.string().max(TaskLimits.descriptionChars),
  status: TaskStatus,
  toolUseId: z.string().max(TaskLimits.idChars).optional(),
  parentId: z.string().max(TaskLimits.idChars).optional(),
  /** Started in the background (or moved there): the turn does not wait for it. */
  background: z.boolean().optional(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  summary: z.string().max(TaskLimits.summaryChars).optional(),
});
export type SessionTask = z.infer<typeof SessionTask>;

/** Sent by the bridge when a task starts, ends or changes; lists running tasks and the latest ended ones. */
export const SessionTasks = z.object({ tasks: z.array(SessionTask).max(TaskLimits.tasks), at: z.number() });
export type SessionTasks = z.infer<typeof SessionTasks>;

export const TolerantSessionTask = SessionTask.extend({
  id: z.string(),
  kind: z.string(),
  description: z.string(),
  status: z.string(),
  toolUseId: z.string().nullable().optional(),
  parentId: z.string().nullable().optional(),
  background: z.boolean().nullable().optional(),
  endedAt: z.number().nullable().optional(),
  summary: z.string().nullable().optional(),
});
export type TolerantSessionTask = z.infer<typeof TolerantSessionTask>;

export const TolerantSessionTasks = z.object({
  tasks: z.array(z.unknown()).transform((xs) => keep(xs, TolerantSessionTask)),
  at: z.number(),
});
export type TolerantSessionTasks = z.infer<typeof TolerantSessionTasks>;

/** session.command `stop_task`: stops one running task (and what it started); `value` is its id. */
export const StopTaskCommand = z.object({
  name: z.literal("stop_task"),
  value: z.string().min(1).max(TaskLimits.idChars),
});
export type StopTaskCommand = z.infer<typeof StopTaskCommand>;

function keep<S extends z.ZodType>(xs: unknown[], schema: S): z.infer<S>[] {
  return xs.flatMap((x) => {
    const r = schema.safeParse(x);
    return r.success ? [r.data] : [];
  });
}
