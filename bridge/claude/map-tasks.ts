import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";

/**
 * What the CLI says about its tasks (subagents, background shells, …), reduced to what the bridge
 * tracks. Measured on CLI 2.1.330: every Bash call and every Task/Agent call is a task
 * (`task_started` … `task_notification`); `task_updated` carries status patches (`killed` for a
 * stopped one); `background_tasks_changed` is the level of live background tasks (replace, never
 * merge); `task_progress` names the step a subagent is on.
 */
export type TaskEvent =
  | {
      e: "started";
      id: string;
      type: string;
      description: string;
      toolUseId: string | null;
      parentId: string | null;
      background: boolean;
      /** Housekeeping the CLI says not to show as activity. */
      ambient: boolean;
    }
  | { e: "progress"; id: string; summary: string | null }
  | { e: "updated"; id: string; status: string | null; background: boolean | null; error: string | null }
  | { e: "ended"; id: string; status: "completed" | "failed" | "stopped"; summary: string }
  | { e: "level"; ids: string[] };

/** Maps one `system` message about tasks to a TaskEvent; null for any other message. Pure. */
export function mapTask(m: SDKMessage): TaskEvent | null {
  if (m.type !== "system") return null;
  switch (m.subtype) {
    case "task_started":
      return {
        e: "started",
        id: m.task_id,
        type: m.task_type ?? "task",
        description: m.description,
        toolUseId: m.tool_use_id ?? null,
        parentId: m.parent_task_id ?? null,
        background: m.is_backgrounded === true,
        ambient: m.ambient === true || m.skip_transcript === true,
      };
    case "task_progress":
      return { e: "progress", id: m.task_id, summary: m.summary ?? null };
    case "task_updated":
      return {
        e: "updated",
        id: m.task_id,
        status: m.patch.status ?? null,
        background: m.patch.is_backgrounded ?? null,
        error: m.patch.error ?? null,
      };
    case "task_notification":
      return { e: "ended", id: m.task_id, status: m.status, summary: m.summary };
    case "background_tasks_changed":
      return { e: "level", ids: m.tasks.filter((t) => t.ambient !== true).map((t) => t.task_id) };
    default:
      return null;
  }
}

/** The subagent (Task/Agent tool call) a message was produced inside, if any. */
export function parentOf(m: { parent_tool_use_id?: string | null }): string | null {
  return typeof m.parent_tool_use_id === "string" && m.parent_tool_use_id ? m.parent_tool_use_id : null;
}
