import type { TolerantSessionTodos, TolerantTodoItem } from "../../../../shared/protocol/index.ts";
import { todoCounts } from "../../state/agents-fold.ts";

/**
 * Claude's todo list, pinned above the conversation: the latest TodoWrite, collapsible, with the
 * step in progress in the summary line so it reads at a glance when folded.
 */
export function TodoList(p: { todos: TolerantSessionTodos | null }) {
  const todos = p.todos?.todos ?? [];
  if (todos.length === 0) return null;
  const { done, total, current } = todoCounts(todos);
  return (
    <section class="pin todos" aria-label="Todo list">
      <details open={done < total}>
        <summary>
          <span class="pin-title">Todos</span>
          <span class="pin-count">
            {done}/{total} done
          </span>
          {current ? <span class="pin-now">{current.activeForm || current.content}</span> : null}
        </summary>
        <ul class="todo-items">
          {todos.map((t, i) => (
            // The list is replaced whole on each update; position is the identity.
            <TodoRow key={i} item={t} />
          ))}
        </ul>
      </details>
    </section>
  );
}

function TodoRow(p: { item: TolerantTodoItem }) {
  const { status, content } = p.item;
  const mark = status === "completed" ? "✓" : status === "in_progress" ? "▸" : "○";
  return (
    <li class={`todo ${status}`} data-status={status}>
      <span class="todo-mark" aria-hidden="true">
        {mark}
      </span>
      <span class="todo-text">{content}</span>
      <span class="sr-only">({statusWords(status)})</span>
    </li>
  );
}

function statusWords(s: string): string {
  if (s === "completed") return "done";
  if (s === "in_progress") return "in progress";
  if (s === "pending") return "to do";
  return s;
}
