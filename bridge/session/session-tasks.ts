import type { SessionTask } from "../../shared/protocol/index.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { TaskEvent } from "../claude/map-tasks.ts";
import type { RoomLink } from "../link/room-link.ts";
import { TaskBook, todosOf } from "./task-book.ts";
import { type SavedTodos, TodoTools } from "./todo-tools.ts";

/** The tool whose calls carry Claude's todo list (the task tools carry it otherwise: todo-tools.ts). */
const TODO_TOOL = "TodoWrite";

/** Where the task tools' list is kept across bridge restarts (the registry). */
export type TodoStore = { load(): SavedTodos | null; save(saved: SavedTodos): void };

/**
 * A session's todo list and tasks, published to its room: session.todos each time Claude (the
 * main conversation, not a subagent) calls TodoWrite or changes its list with the task tools,
 * session.tasks each time the list of subagents and background tasks changes. The latest of each
 * is the truth.
 */
export class SessionTasks {
  readonly #book = new TaskBook();
  readonly #link: RoomLink;
  readonly #store: TodoStore;
  #todos: TodoTools;
  #claudeSession: string | null;

  constructor(link: RoomLink, store: TodoStore) {
    this.#link = link;
    this.#store = store;
    const saved = store.load();
    this.#claudeSession = saved?.claudeSessionId ?? null;
    this.#todos = new TodoTools(saved?.todos ?? []);
  }

  /**
   * A Claude process started on this Claude session: the task tools' list belongs to one Claude
   * session, so a new one (a /clear, a fresh start) starts an empty list.
   */
  claudeSession(id: string): void {
    if (id === this.#claudeSession) return;
    const had = this.#todos.list().length > 0;
    this.#claudeSession = id;
    this.#todos = new TodoTools();
    this.#store.save({ claudeSessionId: id, todos: [] });
    if (had) this.#link.send("session.todos", { todos: [], at: Date.now() });
  }

  onTask(ev: TaskEvent): void {
    if (this.#book.apply(ev, Date.now())) this.#publish();
  }

  /**
   * Claude's output: a TodoWrite call of the main conversation becomes the checklist; so does a
   * task tool's call, once its result confirms it.
   */
  onOutput(e: RunEvent): void {
    if (e.t === "tool_result" && !e.parent) {
      if (this.#todos.onResult(e.toolUseId, e.isError, e.content, e.structured)) this.#publishTodos();
      return;
    }
    if (e.t !== "assistant" || e.parent) return;
    for (const b of e.blocks) {
      if (b.type !== "tool_use") continue;
      this.#todos.onCall(b.name, b.id, b.input);
      const todos = b.name === TODO_TOOL ? todosOf(b.input) : null;
      if (todos) this.#link.send("session.todos", { todos, at: Date.now() });
    }
  }

  /** The Claude process is gone, and every task of it with it. */
  processEnded(): void {
    if (this.#book.stopAll(Date.now(), "The Claude process ended.")) this.#publish();
  }

  isRunning(id: string): boolean {
    return this.#book.isRunning(id);
  }

  running(): SessionTask[] {
    return this.#book.running();
  }

  #publishTodos(): void {
    const list = this.#todos.list();
    if (this.#claudeSession) this.#store.save({ claudeSessionId: this.#claudeSession, todos: list });
    const todos = list.map(({ id: _, ...item }) => item);
    this.#link.send("session.todos", { todos, at: Date.now() });
  }

  #publish(): void {
    this.#link.send("session.tasks", { tasks: this.#book.list(), at: Date.now() });
  }
}
