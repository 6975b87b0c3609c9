import { describe, expect, it } from "vitest";
import { PushHint, PushShow } from "../../shared/protocol/index.ts";
import { promptHint, resolvedHint, turnEndedHint, turnStartedHint } from "./push-hints.ts";

const ROOM = "s-AAAAAAAAAAAAAAAAAAAAAA";
const ask = { requestId: "pr_1", toolUseId: "tu_1" };

describe("push hints the bridge writes", () => {
  it("a tool prompt offers Allow/Deny (names its request); a question and a plan need the app", () => {
    const tool = promptHint("Fix CI", ROOM, {
      ...ask,
      toolName: "Bash",
      input: { command: "npm test\n\u0007" },
      kind: "tool",
    });
    expect(tool.notify!.show).toEqual({
      title: "Fix CI",
      body: "Allow Bash: npm test?",
      tag: ROOM,
      requestId: "pr_1",
    });
    const q = promptHint("Fix CI", ROOM, {
      ...ask,
      toolName: "AskUserQuestion",
      input: { questions: [{ question: "Which branch?" }] },
      kind: "question",
    });
    expect(q.notify!.show).toEqual({ title: "Fix CI", body: "Claude asks: Which branch?", tag: ROOM });
    const plan = promptHint("", ROOM, {
      ...ask,
      toolName: "ExitPlanMode",
      input: { plan: "x" },
      kind: "plan",
    });
    expect(plan.notify!.show).toMatchObject({
      title: "Claude session",
      body: "Claude has a plan for you to review.",
    });
    for (const h of [tool, q, plan]) {
      expect(PushHint.parse(h)).toEqual(h);
      PushShow.parse(h.notify!.show);
    }
  });

  it("a long text is clipped to what a notification shows", () => {
    const h = promptHint("t".repeat(500), ROOM, {
      ...ask,
      toolName: "Bash",
      input: { command: "x".repeat(1000) },
      kind: "tool",
    });
    const show = PushShow.parse(h.notify!.show);
    expect(show.title.length).toBe(120);
    expect(show.body.length).toBe(200);
    expect(show.body.endsWith("…")).toBe(true);
  });

  it("a turn sets the will and its end withdraws it, saying how long it ran", () => {
    expect(turnStartedHint("T", ROOM).will!.show).toMatchObject({ tag: ROOM });
    const ok = turnEndedHint("T", ROOM, { ok: true, durationMs: 125_400 });
    expect(ok).toMatchObject({
      notify: { class: "turn", turnMs: 125_400, show: { body: "Claude finished (2 min 5 s)." } },
      will: null,
    });
    const failed = turnEndedHint("T", ROOM, { ok: false, durationMs: 3_000, error: "boom" });
    expect(failed.notify).toMatchObject({
      class: "error",
      show: { body: "The turn failed after 3 s: boom" },
    });
    expect(resolvedHint("T", ROOM, "pr_1", "deny").notify!.show).toMatchObject({
      body: "Denied.",
      closes: true,
      requestId: "pr_1",
    });
  });
});
