import type { SessionTask } from "../../shared/protocol/index.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { TaskEvent } from "../claude/map-tasks.ts";
import type { RoomLink } from "../link/room-link.ts";
import { TaskBook, todosOf } from "./task-book.ts";

/** The tool whose calls carry Claude's todo list. */
const TODO_TOOL = "TodoWrite";

/**
 * A session's todo list and tasks, published to its room: session.todos each time Claude (the
 * main conversation, not a subagent) calls TodoWrite, session.tasks each time the list of
 * subagents and background tasks changes. The latest of each is the truth.
 */
export class SessionTasks {
  readonly #book = new TaskBook();
  readonly #link: RoomLink;

  constructor(link: RoomLink) {
    this.#link = link;
  }

  onTask(ev: TaskEvent): void {
    if (this.#book.apply(ev, Date.now())) this.#publish();
  }

  /** Claude's output: a TodoWrite call of the main conversation becomes the checklist. */
  onOutput(e: RunEvent): void {
    if (e.t !== "assistant" || e.parent) return;
    for (const b of e.blocks) {
      if (b.type !== "tool_use" || b.name !== TODO_TOOL) continue;
      const todos = todosOf(b.input);
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

  #publish(): void {
    this.#link.send("session.tasks", { tasks: this.#book.list(), at: Date.now() });
  }
}
