import type { ComponentChildren } from "preact";
import type { TolerantSessionTask } from "../../../../shared/protocol/index.ts";
import { elapsed } from "../../state/agents-fold.ts";
import type { Item, ToolCall } from "../../state/session-fold.ts";
import { duration } from "../format.ts";
import { statusLabel } from "./task-strip.tsx";
import { useNow } from "./use-now.ts";

/** Long results start folded. */
const LONG_RESULT = 400;

/**
 * A subagent (a Task or Agent tool call) as one card: its description, state, elapsed time and
 * result, with the tool calls and text it produced grouped inside, collapsible.
 */
export function SubagentCard(p: {
  tool: ToolCall;
  task: TolerantSessionTask | null;
  render: (item: Item) => ComponentChildren;
}) {
  const { tool, task } = p;
  const state = stateOf(tool, task);
  const now = useNow(state === "running");
  const description = field(tool.input, "description") ?? task?.description ?? "Subagent";
  const kind = field(tool.input, "subagent_type");
  const children = tool.children ?? [];
  const time = task ? duration(elapsed(task, now)) : null;
  return (
    <article class={`tool subagent ${state}`} aria-label={`Subagent: ${description}`}>
      <details open={state === "running" || tool.asking || hasAsking(children)}>
        <summary class="tool-head">
          <span class="tool-name">Subagent</span>
          <span class="subagent-desc">{description}</span>
          <span class={`badge task-${state}`}>{statusLabel(state)}</span>
          {time ? <span class="subagent-time">{time}</span> : null}
        </summary>
        {kind ? <p class="muted small">{kind}</p> : null}
        <section class="subagent-items" aria-label={`Steps of ${description}`}>
          {children.length === 0 ? (
            <p class="muted small">No steps yet.</p>
          ) : (
            children.map((it) => p.render(it))
          )}
        </section>
      </details>
      {tool.result ? <Result text={tool.result.content} isError={tool.result.isError} /> : null}
    </article>
  );
}

function Result(p: { text: string; isError: boolean }) {
  const label = p.isError ? "Ended with" : "Result";
  if (p.text.length <= LONG_RESULT)
    return (
      <div class={`output ${p.isError ? "err" : ""}`}>
        <span class="small muted">{label}</span>
        <pre>{p.text}</pre>
      </div>
    );
  return (
    <details class={`output ${p.isError ? "err" : ""}`}>
      <summary>{label}</summary>
      <pre>{p.text}</pre>
    </details>
  );
}

/** The task's word when the bridge listed it; else what the call's result says. */
function stateOf(tool: ToolCall, task: TolerantSessionTask | null): string {
  if (task && task.status !== "running") return task.status;
  if (tool.result) return tool.result.isError ? "failed" : "completed";
  if (tool.interrupted) return "stopped";
  return "running";
}

function hasAsking(items: readonly Item[]): boolean {
  return items.some((it) => it.t === "tool" && it.tool.asking);
}

function field(input: unknown, key: string): string | null {
  if (typeof input !== "object" || input === null) return null;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === "string" && v ? v : null;
}
