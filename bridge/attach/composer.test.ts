import { describe, expect, it } from "vitest";
import { Composer } from "./composer.ts";
import { openPrompt } from "./prompts.ts";

const tool = openPrompt({
  requestId: "r1",
  toolName: "Write",
  input: { file_path: "/a" },
  toolUseId: "t1",
  sessionGrant: "Write on /a",
});
const bare = openPrompt({ requestId: "r2", toolName: "Bash", input: { command: "ls" }, toolUseId: "t2" });
const color = {
  question: "Which color?",
  options: [{ label: "red" }, { label: "blue" }],
  multiSelect: false,
};
const sizes = {
  question: "Which sizes?",
  options: [{ label: "s" }, { label: "m" }, { label: "l" }],
  multiSelect: true,
};
const question = openPrompt({
  requestId: "q1",
  toolName: "AskUserQuestion",
  input: { questions: [color, sizes] },
  toolUseId: "t3",
  kind: "question",
});
const plan = openPrompt({
  requestId: "p1",
  toolName: "ExitPlanMode",
  input: { plan: "1. do it" },
  toolUseId: "t4",
  kind: "plan",
});

describe("Composer", () => {
  it("sends a line as a message when nothing waits, and knows its commands", () => {
    const c = new Composer();
    expect(c.line("  hello there ", null)).toEqual({
      type: "send",
      kind: "user.message",
      body: { text: "  hello there" },
    });
    expect(c.line("   ", null)).toEqual({ type: "none" });
    expect(c.line("/quit", null)).toEqual({ type: "quit" });
    expect(c.line("/interrupt", tool)).toEqual({ type: "send", kind: "session.interrupt", body: {} });
    expect(c.line("/help", null).type).toBe("say");
  });

  it("answers a tool prompt: y, a only when a session grant is offered, n with a reason", () => {
    const c = new Composer();
    expect(c.line("y", tool)).toMatchObject({ body: { requestId: "r1", decision: "allow" } });
    expect(c.line("a", tool)).toMatchObject({ body: { requestId: "r1", decision: "allow", remember: true } });
    expect(c.line("a", bare).type).toBe("say");
    expect(c.line("n not that file", tool)).toMatchObject({
      body: { decision: "deny", message: "not that file" },
    });
    expect(c.line("n", bare)).toEqual({
      type: "send",
      kind: "permission.response",
      body: { requestId: "r2", decision: "deny" },
    });
    expect(c.line("maybe later", tool).type).toBe("say");
  });

  it("collects one answer per question, by number or own words, then allows with them", () => {
    const c = new Composer();
    expect(c.line("3", question).type).toBe("say");
    expect(c.line("1,2", question).type).toBe("say");
    expect(c.line("2", question)).toEqual({ type: "next", text: "? next: Which sizes?" });
    const done = c.line("1, 3", question);
    expect(done).toMatchObject({
      type: "send",
      kind: "permission.response",
      body: {
        requestId: "q1",
        decision: "allow",
        updatedInput: { answers: { "Which color?": "blue", "Which sizes?": "s, l" } },
      },
    });
    expect(c.line("teal please", { ...question, questions: [color], requestId: "q2" })).toMatchObject({
      body: { updatedInput: { answers: { "Which color?": "teal please" } } },
    });
    expect(c.line("no", question)).toMatchObject({ body: { decision: "deny" } });
  });

  it("approves a plan in a mode, or sends it back with feedback", () => {
    const c = new Composer();
    expect(c.line("y", plan)).toMatchObject({ body: { decision: "allow", mode: "default" } });
    expect(c.line("e", plan)).toMatchObject({ body: { decision: "allow", mode: "acceptEdits" } });
    expect(c.line("n smaller steps", plan)).toMatchObject({
      body: { decision: "deny", message: "smaller steps" },
    });
    expect(c.line("what?", plan).type).toBe("say");
  });
});
