import { useState } from "preact/hooks";
import type { TolerantSessionTask } from "../../../../shared/protocol/index.ts";
import { elapsed, runningCount } from "../../state/agents-fold.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { duration } from "../format.ts";
import { useNow } from "./use-now.ts";

/**
 * Subagents and background tasks, pinned above the conversation: each with its state and time,
 * and a Stop button for a running one (controllers only). Open while something runs.
 */
export function TaskStrip(p: { model: RoomModel; tasks: readonly TolerantSessionTask[]; control: boolean }) {
  const [stopping, setStopping] = useState<ReadonlySet<string>>(new Set());
  const live = runningCount(p.tasks);
  const now = useNow(live > 0);
  if (p.tasks.length === 0) return null;
  const stop = (t: TolerantSessionTask) => {
    setStopping(new Set([...stopping, t.id]));
    void p.model.send("session.command", { name: "stop_task", value: t.id });
  };
  return (
    <section class="pin tasks" aria-label="Tasks">
      <details open={live > 0}>
        <summary>
          <span class="pin-title">Tasks</span>
          <span class="pin-count">{live > 0 ? `${live} running` : `${p.tasks.length} done`}</span>
        </summary>
        <ul class="task-items">
          {p.tasks.map((t) => (
            <li key={t.id} class={`task ${t.status}`} data-status={t.status}>
              <span class="task-desc">{t.description || t.kind}</span>
              <span class="task-meta">
                {kindLabel(t.kind)} · <span class={`badge task-${t.status}`}>{statusLabel(t.status)}</span> ·{" "}
                {duration(elapsed(t, now))}
              </span>
              {p.control && t.status === "running" ? (
                <button
                  type="button"
                  class="btn small danger"
                  disabled={stopping.has(t.id)}
                  aria-label={`Stop ${t.description || t.kind}`}
                  onClick={() => stop(t)}
                >
                  {stopping.has(t.id) ? "Stopping…" : "Stop"}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}

function kindLabel(kind: string): string {
  if (kind === "agent") return "subagent";
  if (kind === "bash") return "shell";
  return kind;
}

export function statusLabel(status: string): string {
  return status === "completed" ? "done" : status;
}
