import { describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// Issue 11, at the bridge: stop_task stops a background task of the real CLI and names an id that
// is not running with `unknown_task` (the CLI itself accepts any id silently); an interrupt stops
// the session's background work too. The bridge keeps serving the session throughout.
const world = useBridgeWorld();

type Tasks = BodyOf<"session.tasks">;
const bash = (b: Tasks, status: string) => b.tasks.find((t) => t.kind === "bash" && t.status === status);

describe("stop_task", () => {
  it("refuses unknown ids with a notice and stops a running background task", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "tasks" });
    const early = await s.send("session.command", { name: "stop_task", value: "no-such-task" });
    expect(await s.wait("session.notice", (n) => n.inputMid === early)).toMatchObject({
      level: "warn",
      code: "unknown_task",
    });

    const input = await s.send("user.message", { text: "[[bg sleep=60]]" });
    expect(await s.wait("turn.result", (r) => r.inputMid === input, 90_000)).toMatchObject({ ok: true });
    const running = bash(await s.wait("session.tasks", (b) => bash(b, "running") !== undefined), "running");
    expect(running).toMatchObject({ description: "Background sleeper", background: true });
    const id = running?.id ?? "";

    const unknown = await s.send("session.command", { name: "stop_task", value: `${id}-not` });
    expect(await s.wait("session.notice", (n) => n.inputMid === unknown)).toMatchObject({
      code: "unknown_task",
    });
    await s.send("session.command", { name: "stop_task", value: id });
    const stopped = await s.wait("session.tasks", (b) =>
      b.tasks.some((t) => t.id === id && t.status === "stopped"),
    );
    expect(stopped.tasks.find((t) => t.id === id)?.endedAt).toBeGreaterThanOrEqual(running?.startedAt ?? 0);
    const again = await s.send("session.command", { name: "stop_task", value: id });
    expect(await s.wait("session.notice", (n) => n.inputMid === again)).toMatchObject({
      code: "unknown_task",
    });

    // The session goes on.
    const next = await s.send("user.message", { text: "still there?" });
    expect(await s.wait("turn.result", (r) => r.inputMid === next, 90_000)).toMatchObject({ ok: true });
  }, 240_000);

  it("an interrupt stops the turn's background work too", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "interrupt" });
    const input = await s.send("user.message", { text: "[[bg sleep=60 slow=60]]" });
    const running = bash(
      await s.wait("session.tasks", (b) => bash(b, "running") !== undefined, 90_000),
      "running",
    );
    await s.send("session.interrupt", {});
    expect(await s.wait("turn.result", (r) => r.inputMid === input, 90_000)).toMatchObject({ ok: false });
    await s.wait("session.tasks", (b) => b.tasks.some((t) => t.id === running?.id && t.status === "stopped"));
  }, 240_000);
});

describe("a turn Claude Code starts by itself", () => {
  it("when a background agent ends does not answer the message sent meanwhile", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "notified" });
    // The agent runs in the background; when it ends, the CLI runs a turn of its own (4 s long).
    const first = await s.send("user.message", {
      text: `[[agent name=Bg dir=${w.project} bg=1 sleep=1 notify=4]]`,
    });
    expect(await s.wait("turn.result", (r) => r.inputMid === first, 90_000)).toMatchObject({ ok: true });
    const prompt = await s.wait("permission.request", () => true, 90_000);
    await s.send("permission.response", { requestId: prompt.requestId, decision: "allow" });
    await s.wait("session.tasks", (b) => b.tasks.some((t) => t.kind === "agent" && t.status === "completed"));
    const second = await s.send("user.message", { text: "hello meanwhile" });
    expect(await s.wait("turn.result", (r) => r.inputMid === second, 90_000)).toMatchObject({ ok: true });
    // The CLI answers in order: its own turn first, then ours; our result comes after our answer.
    const seqOf = (pred: (m: { kind: string; body: unknown }) => boolean) => s.msgs.find(pred)?.seq ?? -1;
    const noticed = seqOf(
      (m) => m.kind === "agent.message" && JSON.stringify(m.body).includes("agent noticed"),
    );
    const echo = seqOf(
      (m) => m.kind === "agent.message" && JSON.stringify(m.body).includes("Echo: hello meanwhile"),
    );
    const result = seqOf((m) => m.kind === "turn.result" && JSON.stringify(m.body).includes(second));
    expect(noticed).toBeGreaterThan(0);
    expect(noticed).toBeLessThan(echo);
    expect(echo).toBeLessThan(result);
    expect(s.bodies("turn.result").filter((r) => r.inputMid === second)).toHaveLength(1);
  }, 240_000);
});
