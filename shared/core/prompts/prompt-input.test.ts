import { describe, expect, it } from "vitest";
import {
  PermissionRequest,
  PermissionResponse,
  promptKind,
  TolerantPermissionRequest,
  TolerantPermissionResolved,
} from "../../../shared/protocol/index.ts";
import {
  answerOf,
  answersOf,
  type Choice,
  givenAnswers,
  planOf,
  type Question,
  questionsOf,
} from "./prompt-input.ts";

const color: Question = {
  question: "Which color?",
  header: "Color",
  options: [{ label: "red" }, { label: "blue" }, { label: "green" }],
  multiSelect: false,
};
const sizes: Question = { ...color, question: "Which sizes?", multiSelect: true };

describe("questions", () => {
  it("reads Claude's questions and refuses what it could not answer", () => {
    expect(questionsOf({ questions: [color, sizes] })).toEqual([color, sizes]);
    expect(questionsOf({ questions: [] })).toBeNull();
    expect(questionsOf({ questions: [{ question: "x" }] })).toBeNull();
    expect(questionsOf({ questions: [color, color] })).toBeNull();
    expect(questionsOf("nope")).toBeNull();
    // A field of an unexpected type is dropped, not the question.
    expect(questionsOf({ questions: [{ ...color, header: 7 }] })?.[0]?.header).toBeUndefined();
  });

  it("answers with the label, own words, or the picked labels joined with ', ' in the options' order", () => {
    expect(answerOf(color, { labels: ["blue"], other: null })).toBe("blue");
    expect(answerOf(color, { labels: [], other: "  teal  " })).toBe("teal");
    expect(answerOf(color, { labels: [], other: " " })).toBeNull();
    expect(answerOf(color, undefined)).toBeNull();
    expect(answerOf(sizes, { labels: ["green", "red"], other: null })).toBe("red, green");
    expect(answerOf(sizes, { labels: ["red"], other: "huge" })).toBe("red, huge");
    // A label no option has (a stale choice) is not sent.
    expect(answerOf(color, { labels: ["purple"], other: null })).toBeNull();
  });

  it("is complete only when every question has an answer", () => {
    const choices = new Map<string, Choice>([["Which color?", { labels: ["red"], other: null }]]);
    expect(answersOf([color, sizes], choices)).toBeNull();
    choices.set("Which sizes?", { labels: ["blue", "green"], other: null });
    expect(answersOf([color, sizes], choices)).toEqual({
      "Which color?": "red",
      "Which sizes?": "blue, green",
    });
  });

  it("reads the answers and the plan out of inputs, whatever they hold", () => {
    expect(givenAnswers({ answers: { "Which color?": "red" } })).toEqual({ "Which color?": "red" });
    expect(givenAnswers({ answers: { a: 1 } })).toEqual({});
    expect(planOf({ plan: "# P" })).toBe("# P");
    expect(planOf({ plan: "  " })).toBeNull();
    expect(planOf({})).toBeNull();
  });
});

describe("promptKind", () => {
  it("takes a known hint, reads an unknown one as a tool, and falls back to the tool name", () => {
    expect(promptKind({ kind: "plan", toolName: "Bash" })).toBe("plan");
    expect(promptKind({ kind: "survey", toolName: "AskUserQuestion" })).toBe("tool");
    expect(promptKind({ toolName: "AskUserQuestion" })).toBe("question");
    expect(promptKind({ toolName: "ExitPlanMode" })).toBe("plan");
    expect(promptKind({ toolName: "Write" })).toBe("tool");
  });
});

describe("wire", () => {
  it("a hint of any type never hides a prompt, and an unknown mode never hides a resolution", () => {
    const req = { requestId: "p", toolName: "Bash", input: {}, toolUseId: "t" };
    expect(TolerantPermissionRequest.parse({ ...req, kind: 5 }).kind).toBeUndefined();
    expect(TolerantPermissionRequest.parse({ ...req, kind: "survey" }).kind).toBe("survey");
    expect(PermissionRequest.safeParse({ ...req, kind: "survey" }).success).toBe(false);
    const resolved = { requestId: "p", decision: "allow", by: "ph1" };
    expect(TolerantPermissionResolved.parse({ ...resolved, mode: "auto" })).toEqual({
      ...resolved,
      mode: "auto",
    });
    expect(TolerantPermissionResolved.parse({ ...resolved, mode: 1 })).toEqual(resolved);
    const response = { requestId: "p", decision: "allow" };
    expect(PermissionResponse.safeParse({ ...response, mode: "acceptEdits" }).success).toBe(true);
    expect(PermissionResponse.safeParse({ ...response, mode: "bypassPermissions" }).success).toBe(false);
  });
});
