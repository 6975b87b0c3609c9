import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../claude/map-tasks.ts";
import { TaskBook, todosOf } from "./task-book.ts";

const started = (id: string, type: string, background: boolean, more: Partial<TaskEvent> = {}): TaskEvent =>
  ({
    e: "started",
    id,
    type,
    description: `${id} work`,
    toolUseId: `tu_${id}`,
    parentId: null,
    background,
    ambient: false,
    ...more,
  }) as TaskEvent;

describe("TaskBook", () => {
  it("lists subagents and background shells, not foreground commands, until they end", () => {
    const b = new TaskBook();
    expect(b.apply(started("a1", "local_agent", false), 1)).toBe(true);
    expect(b.apply(started("b1", "local_bash", false), 2)).toBe(false);
    expect(b.apply(started("b2", "local_bash", true, { parentId: "a1" } as Partial<TaskEvent>), 3)).toBe(
      true,
    );
    expect(b.list().map((t) => [t.id, t.kind, t.status])).toEqual([
      ["a1", "agent", "running"],
      ["b2", "bash", "running"],
    ]);
    expect(b.isRunning("b1")).toBe(false);
    // A stop: task_updated "killed" first, then the notification; the first word stands.
    expect(b.apply({ e: "updated", id: "b2", status: "killed", background: null, error: null }, 4)).toBe(
      true,
    );
    expect(b.apply({ e: "ended", id: "b2", status: "stopped", summary: "b2 work" }, 5)).toBe(true);
    expect(b.list().find((t) => t.id === "b2")).toMatchObject({
      status: "stopped",
      endedAt: 4,
      parentId: "a1",
    });
    expect(b.apply({ e: "ended", id: "b1", status: "completed", summary: "ok" }, 6)).toBe(false);
    expect(b.running().map((t) => t.id)).toEqual(["a1"]);
  });

  it("shows a foreground command once it is moved to the background, and stops all when the process ends", () => {
    const b = new TaskBook();
    b.apply(started("b1", "local_bash", false), 1);
    expect(b.apply({ e: "updated", id: "b1", status: null, background: true, error: null }, 2)).toBe(true);
    expect(b.isRunning("b1")).toBe(true);
    expect(b.stopAll(3, "gone")).toBe(true);
    expect(b.list()).toEqual([
      expect.objectContaining({ id: "b1", status: "stopped", summary: "gone", background: true }),
    ]);
    expect(b.stopAll(4, "gone")).toBe(false);
  });

  it("stays bounded: long descriptions are clipped, old ended tasks forgotten", () => {
    const b = new TaskBook();
    b.apply(started("x", "local_agent", false, { description: "d".repeat(5000) } as Partial<TaskEvent>), 0);
    expect(b.list()[0]?.description.length).toBe(200);
    for (let i = 0; i < 80; i++) {
      b.apply(started(`a${i}`, "local_agent", true), i);
      b.apply({ e: "ended", id: `a${i}`, status: "completed", summary: "s" }, i);
    }
    expect(b.list()).toHaveLength(50);
    expect(b.list()[0]?.id).toBe("x");
  });

  it("skips ambient tasks", () => {
    const b = new TaskBook();
    expect(b.apply(started("m", "local_bash", true, { ambient: true } as Partial<TaskEvent>), 0)).toBe(false);
    expect(b.list()).toEqual([]);
  });
});

describe("todosOf", () => {
  it("reads a TodoWrite input, bounded, and refuses anything else", () => {
    const input = {
      todos: [
        { content: "Read", status: "completed", activeForm: "Reading" },
        { content: "x".repeat(900), status: "pending", activeForm: "" },
      ],
    };
    const todos = todosOf(input);
    expect(todos?.[0]).toEqual({ content: "Read", status: "completed", activeForm: "Reading" });
    expect(todos?.[1]?.content.length).toBe(500);
    expect(todos?.[1]).not.toHaveProperty("activeForm");
    expect(todosOf({ todos: [{ content: "a", status: "blocked" }] })).toBeNull();
    expect(todosOf({ todos: "no" })).toBeNull();
    expect(todosOf(null)).toBeNull();
  });
});
