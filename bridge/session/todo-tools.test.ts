import { describe, expect, it } from "vitest";
import { TodoTools } from "./todo-tools.ts";

/** The CLI's own answers, as measured with CLI 2.1.330 (text the model reads, and tool_use_result). */
const created = (id: string, subject: string) =>
  [`Task #${id} created successfully: ${subject}`, { task: { id, subject } }] as const;
const updated = (id: string) => [`Updated task #${id} status`, { success: true, taskId: id }] as const;

function create(t: TodoTools, use: string, id: string, subject: string, activeForm?: string): boolean {
  t.onCall("TaskCreate", use, { subject, description: "d", ...(activeForm ? { activeForm } : {}) });
  return t.onResult(use, false, ...created(id, subject));
}

describe("TodoTools: the checklist from TaskCreate/TaskUpdate/TaskList", () => {
  it("creates, moves along and deletes items as the CLI confirms them", () => {
    const t = new TodoTools();
    expect(create(t, "u1", "1", "Read the code", "Reading the code")).toBe(true);
    expect(create(t, "u2", "2", "Fix it")).toBe(true);
    t.onCall("TaskUpdate", "u3", { taskId: "1", status: "in_progress" });
    expect(t.onResult("u3", false, ...updated("1"))).toBe(true);
    t.onCall("TaskUpdate", "u4", { taskId: "2", status: "deleted" });
    expect(t.onResult("u4", false, ...updated("2"))).toBe(true);
    expect(t.list()).toEqual([
      { id: "1", content: "Read the code", status: "in_progress", activeForm: "Reading the code" },
    ]);
  });

  it("takes the id from the text when the CLI sent no result object", () => {
    const t = new TodoTools();
    t.onCall("TaskCreate", "u1", { subject: "Run the tests" });
    expect(t.onResult("u1", false, "Task #7 created successfully: Run the tests", undefined)).toBe(true);
    expect(t.list()).toEqual([{ id: "7", content: "Run the tests", status: "pending" }]);
  });

  it("ignores refused calls, unknown results, unknown ids, other tools and hostile inputs", () => {
    const t = new TodoTools();
    t.onCall("TaskCreate", "u1", { subject: "Refused" });
    expect(t.onResult("u1", true, "<tool_use_error>no</tool_use_error>", undefined)).toBe(false);
    expect(t.onResult("never-called", false, ...created("9", "x"))).toBe(false);
    t.onCall("TaskUpdate", "u2", { taskId: "42", status: "completed" });
    expect(t.onResult("u2", false, ...updated("42"))).toBe(false);
    t.onCall("Bash", "u3", { command: "ls" });
    expect(t.onResult("u3", false, ...created("3", "ls"))).toBe(false);
    for (const input of [null, "x", 7, [], { subject: 5 }, { subject: "  " }, { taskId: {} }]) {
      t.onCall("TaskCreate", "h", input);
      t.onCall("TaskUpdate", "h2", input);
      expect(t.onResult("h", false, "Task #5 created successfully", undefined)).toBe(false);
      expect(t.onResult("h2", false, "", undefined)).toBe(false);
    }
    t.onCall("TaskUpdate", "u4", { taskId: "1", status: "exploded" });
    expect(t.list()).toEqual([]);
  });

  it("clips long texts and an id that is too long is not one", () => {
    const t = new TodoTools();
    expect(create(t, "u1", "1", "x".repeat(2000))).toBe(true);
    expect(t.list()[0]?.content.length).toBe(500);
    t.onCall("TaskCreate", "u2", { subject: "y" });
    expect(t.onResult("u2", false, "", { task: { id: "i".repeat(500) } })).toBe(false);
  });

  it("TaskList's answer replaces the list, keeping what it knew of each item", () => {
    const t = new TodoTools([{ id: "1", content: "Old", status: "pending", activeForm: "Doing old" }]);
    t.onCall("TaskList", "u1", {});
    const listed = {
      tasks: [
        { id: "1", subject: "Old", status: "completed", blockedBy: [] },
        { id: "3", subject: "New", status: "pending", blockedBy: [] },
        { id: "", subject: "bad", status: "pending" },
        "junk",
      ],
    };
    expect(t.onResult("u1", false, "#1 [completed] Old", listed)).toBe(true);
    expect(t.list()).toEqual([
      { id: "1", content: "Old", status: "completed", activeForm: "Doing old" },
      { id: "3", content: "New", status: "pending" },
    ]);
    t.onCall("TaskList", "u2", {});
    expect(t.onResult("u2", false, "", listed)).toBe(false);
  });

  it("starts from a saved list (a bridge restart) and updates it", () => {
    const t = new TodoTools([{ id: "1", content: "Saved", status: "pending" }]);
    t.onCall("TaskUpdate", "u1", { taskId: "1", status: "completed", subject: "Saved and done" });
    expect(t.onResult("u1", false, ...updated("1"))).toBe(true);
    expect(t.list()).toEqual([{ id: "1", content: "Saved and done", status: "completed" }]);
  });
});
