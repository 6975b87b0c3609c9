import { describe, expect, it } from "vitest";
import { hookDecision, hookOutput } from "./hook-input.ts";

const answers = { questions: [{ question: "Which color?" }], answers: { "Which color?": "green" } };

describe("the hook's answer to a PermissionRequest", () => {
  it("carries the person's answers to a question, and an approved plan's mode, to the CLI", () => {
    const question = hookDecision({ behavior: "allow", updatedInput: answers }, "AskUserQuestion");
    expect(JSON.parse(hookOutput("PermissionRequest", { decision: question }))).toEqual({
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: { behavior: "allow", updatedInput: answers },
      },
    });
    const setMode = [{ type: "setMode", mode: "acceptEdits", destination: "session" }] as const;
    const plan = hookDecision(
      { behavior: "allow", updatedInput: { plan: "p" }, updatedPermissions: [...setMode] },
      "ExitPlanMode",
    );
    expect(plan).toEqual({ behavior: "allow", updatedInput: { plan: "p" }, updatedPermissions: setMode });
  });

  it("never changes another tool's input, and a deny keeps its message", () => {
    expect(hookDecision({ behavior: "allow", updatedInput: { file_path: "/etc/x" } }, "Write")).toEqual({
      behavior: "allow",
    });
    expect(hookDecision({ behavior: "deny", message: "not now" }, "Write")).toEqual({
      behavior: "deny",
      message: "not now",
    });
  });
});
