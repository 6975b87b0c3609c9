import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { elapsed, todoCounts } from "./agents-fold.ts";
import { emptyLocal } from "./local.ts";
import { foldSession } from "./session-overlay.ts";

let seq = 0;
function msg(kind: string, body: unknown): StoredMsg {
  seq++;
  return { seq, mid: `mid-${seq}-xxxxxxxxxxxx`, cid: "c", role: "bridge", kind, body, ts: 1000 + seq };
}

const todo = (content: string, status: string) => ({ content, status, activeForm: `${content}ing` });
const call = (id: string, name: string, input: unknown, parent?: string) =>
  msg("agent.message", {
    id: `m_${id}`,
    blocks: [{ type: "tool_use", id, name, input }],
    ...(parent ? { parentToolUseId: parent } : {}),
  });

describe("todos, subagents and tasks in the session view", () => {
  it("shows the latest todo list instead of a card per TodoWrite", () => {
    const log = [
      call("t1", "TodoWrite", { todos: [todo("a", "in_progress"), todo("b", "pending")] }),
      msg("session.todos", { todos: [todo("a", "in_progress"), todo("b", "pending")], at: 1 }),
      call("t2", "TodoWrite", { todos: [todo("a", "completed"), todo("b", "in_progress")] }),
      msg("session.todos", { todos: [todo("a", "completed"), todo("b", "in_progress")], at: 2 }),
    ];
    const view = foldSession(log, emptyLocal);
    expect(view.items.filter((i) => i.t === "tool")).toEqual([]);
    expect(view.todos?.todos.map((t) => t.status)).toEqual(["completed", "in_progress"]);
    expect(todoCounts(view.todos?.todos ?? [])).toMatchObject({
      done: 1,
      total: 2,
      current: { content: "b" },
    });
  });

  it("shows Claude Code's task tools as the checklist too, but a subagent's as cards", () => {
    const log = [
      call("c1", "TaskCreate", { subject: "a", description: "a" }),
      call("c2", "TaskUpdate", { taskId: "1", status: "in_progress" }),
      call("c3", "TaskList", {}),
      msg("session.todos", { todos: [todo("a", "in_progress")], at: 1 }),
      call("sub", "Task", { description: "Helper", prompt: "go" }),
      call("c4", "TaskCreate", { subject: "b", description: "b" }, "sub"),
    ];
    const view = foldSession(log, emptyLocal);
    const tools = view.items.filter((i) => i.t === "tool");
    expect(tools.map((i) => i.t === "tool" && i.tool.id)).toEqual(["sub"]);
    const card = tools[0]?.t === "tool" ? tools[0].tool : null;
    expect(card?.children?.map((i) => i.t === "tool" && i.tool.id)).toEqual(["c4"]);
    expect(view.todos?.todos.map((t) => t.content)).toEqual(["a"]);
  });

  it("groups a subagent's calls, text and results under its Task card", () => {
    const log = [
      call("task1", "Task", { description: "Helper task", prompt: "go" }),
      msg("agent.message", {
        id: "s1",
        blocks: [{ type: "text", text: "Using Bash." }],
        parentToolUseId: "task1",
      }),
      call("b1", "Bash", { command: "echo sub-one" }, "task1"),
      msg("tool.result", { toolUseId: "b1", isError: false, content: "sub-one", parentToolUseId: "task1" }),
      msg("tool.result", { toolUseId: "task1", isError: false, content: "sub finished" }),
      // A subagent whose Task call is not in view: its output stays in the conversation.
      call("b9", "Bash", { command: "ls" }, "unknown"),
    ];
    const view = foldSession(log, emptyLocal);
    const tools = view.items.filter((i) => i.t === "tool");
    expect(tools.map((i) => i.t === "tool" && i.tool.id)).toEqual(["task1", "b9"]);
    const card = tools[0]?.t === "tool" ? tools[0].tool : null;
    expect(card?.result?.content).toBe("sub finished");
    expect(card?.children?.map((i) => i.t)).toEqual(["text", "tool"]);
    const child = card?.children?.[1];
    expect(child?.t === "tool" && child.tool.result?.content).toBe("sub-one");
  });

  it("keeps the latest task list, and a prompt inside a subagent marks its call", () => {
    const log = [
      call("task1", "Task", { description: "Helper task" }),
      call("b1", "Bash", { command: "echo x > f" }, "task1"),
      msg("permission.request", { requestId: "pr1", toolName: "Bash", input: {}, toolUseId: "b1" }),
      msg("session.tasks", {
        tasks: [{ id: "a1", kind: "agent", description: "Helper task", status: "running", startedAt: 10 }],
        at: 10,
      }),
      msg("session.tasks", {
        tasks: [
          {
            id: "a1",
            kind: "agent",
            description: "Helper task",
            status: "stopped",
            startedAt: 10,
            endedAt: 25,
          },
        ],
        at: 25,
      }),
    ];
    const view = foldSession(log, emptyLocal);
    expect(view.tasks.map((t) => t.status)).toEqual(["stopped"]);
    expect(elapsed(view.tasks[0] ?? { startedAt: 0 }, 99)).toBe(15);
    expect(view.pending.map((r) => r.requestId)).toEqual(["pr1"]);
    const card = view.items[0]?.t === "tool" ? view.items[0].tool : null;
    expect(card?.children?.[0]?.t === "tool" && card.children[0].tool.asking).toBe(true);
  });
});
