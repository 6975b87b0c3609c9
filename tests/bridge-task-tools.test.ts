import { describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// Issue 11: where Claude Code keeps the todo list with its task tools (TaskCreate/TaskUpdate, as
// with the models that have them) instead of TodoWrite, the phone gets the same checklist; the
// list survives a bridge restart, and a /clear (a new Claude session) empties it.
// The CLI's switch for its todo tools (the scripted model's name is not one it knows).
const world = useBridgeWorld({ env: { CLAUDE_CODE_ENABLE_TODO_TOOLS: "1" } });

type Todos = BodyOf<"session.todos">;
const statuses = (b: Todos) => b.todos.map((t) => `${t.content}:${t.status}`);

describe("the todo list from Claude Code's task tools", () => {
  it("follows TaskCreate/TaskUpdate, survives a bridge restart, and a /clear empties it", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "task tools" });
    const first = await s.send("user.message", { text: "[[tasklist]]" });
    expect(await s.wait("turn.result", (r) => r.inputMid === first, 90_000)).toMatchObject({ ok: true });
    const made = await s.wait("session.todos", (b) => b.todos[0]?.status === "in_progress");
    expect(statuses(made)).toEqual([
      "Read the code:in_progress",
      "Write the fix:pending",
      "Run the tests:pending",
    ]);
    expect(made.todos[0]?.activeForm).toBe("Reading the code");
    // Its calls were confirmed one by one: three creations, then the update.
    expect(s.bodies("session.todos").map((b) => b.todos.length)).toEqual([1, 2, 3, 3]);

    // The bridge restarts; the next update goes on from the saved list, not from nothing.
    await w.bridge!.kill("SIGTERM");
    w.startBridge();
    const second = await s.send("user.message", { text: "[[taskstep id=2 status=deleted]]" });
    expect(await s.wait("turn.result", (r) => r.inputMid === second, 90_000)).toMatchObject({ ok: true });
    const after = await s.wait(
      "session.todos",
      (b) => b.todos.length === 2 && b.todos[1]?.content === "Run the tests",
    );
    expect(statuses(after)).toEqual(["Read the code:in_progress", "Run the tests:pending"]);

    // A refused update (no task #9) changes nothing.
    const third = await s.send("user.message", { text: "[[taskstep id=9 status=completed]]" });
    expect(await s.wait("turn.result", (r) => r.inputMid === third, 90_000)).toMatchObject({ ok: true });
    expect(s.bodies("session.todos").at(-1)).toEqual(after);

    const clear = await s.send("user.message", { text: "/clear" });
    expect(await s.wait("turn.result", (r) => r.inputMid === clear, 90_000)).toMatchObject({ ok: true });
    const next = await s.send("user.message", { text: "hello again" });
    expect(await s.wait("turn.result", (r) => r.inputMid === next, 90_000)).toMatchObject({ ok: true });
    await s.wait("session.todos", (b) => b.todos.length === 0);
    expect(s.bodies("session.todos").at(-1)?.todos).toEqual([]);
    expect(s.bodies("session.todos").filter((b) => b.todos.length === 0)).toHaveLength(1);
  }, 300_000);
});
