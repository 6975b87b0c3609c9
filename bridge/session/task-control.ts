import type { ClaudeRun } from "../claude/claude-run.ts";
import type { Logger } from "../log.ts";
import type { SessionRoom } from "./session-room.ts";
import type { SessionTasks } from "./session-tasks.ts";

/** How long the CLI gets to confirm a stop_task before the phone is told it failed. */
const STOP_MS = 5000;

/** What stopping tasks needs of a session (SessionRunner). */
export type TaskTarget = {
  readonly room: string;
  readonly tasks: Pick<SessionTasks, "isRunning" | "running">;
  readonly deps: { log: Logger };
  readonly out: Pick<SessionRoom, "notice">;
  liveRun(): Pick<ClaudeRun, "stopTask"> | null;
};

/**
 * session.command stop_task: one running subagent or background task is stopped (the CLI stops
 * what it started with it); the turn goes on. An id that names no running task gets `unknown_task`
 * (the CLI itself accepts any id silently, so the bridge's own list decides).
 */
export async function stopTask(s: TaskTarget, mid: string, id: string): Promise<void> {
  const run = s.liveRun();
  if (!run || !s.tasks.isRunning(id))
    return s.out.notice("warn", "unknown_task", "This session has no running task with that id.", mid);
  if (!(await run.stopTask(id, STOP_MS))) throw new Error("Claude Code did not confirm the stop in time");
}

/**
 * An interrupt stops the session's background work too. A task the CLI does not stop stays
 * `running` in session.tasks, and the phone is told by a notice that it kept running.
 */
export async function stopRunningTasks(s: TaskTarget): Promise<void> {
  const run = s.liveRun();
  const running = s.tasks.running();
  if (!run || running.length === 0) return;
  const outcomes = await Promise.all(running.map((t) => stopOne(s, run, t.id)));
  const kept = running.filter((_, i) => !outcomes[i]).map((t) => t.description);
  if (kept.length > 0)
    s.out.notice("warn", "command_failed", `Still running after the interrupt: ${kept.join(", ")}.`);
}

async function stopOne(s: TaskTarget, run: Pick<ClaudeRun, "stopTask">, id: string): Promise<boolean> {
  try {
    return await run.stopTask(id, STOP_MS);
  } catch (err) {
    s.deps.log.warn("stop_task failed", { room: s.room, task: id, error: (err as Error).message });
    return false;
  }
}
