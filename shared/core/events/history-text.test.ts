import { describe, expect, it } from "vitest";
import { historyText } from "./history-text.ts";

describe("historyText", () => {
  it("says a session's life, its turns and its prompts, in that order", () => {
    const counts = {
      sessionsResumed: 3,
      resumeFallbacks: 1,
      sessionsSlept: 2,
      transitions: 1,
      sessionErrors: 1,
      turnsOk: 4,
      turnsFailed: 1,
      promptsAsked: 4,
      promptsTimedOut: 1,
      sessionsWoken: 2,
    };
    expect(
      historyText({ counts, fallbackReasons: ["its transcript is missing", "Claude could not resume it"] }),
    ).toBe(
      "resumed 3×, fell back once: its transcript is missing; Claude could not resume it, slept twice, cleared once, 1 error · 5 turns, 1 failed · 4 prompts, 1 timed out",
    );
  });

  it("leaves out what did not happen, and says nothing for nothing", () => {
    expect(historyText({ counts: { turnsOk: 1, promptsAsked: 1 } })).toBe("1 turn · 1 prompt");
    expect(historyText({ counts: { resumeFallbacks: 2, sessionErrors: 2 } })).toBe(
      "fell back twice, 2 errors",
    );
    expect(historyText({ counts: {} })).toBe("");
    expect(historyText({ counts: { sessionsCreated: 1, bridgeStarts: 3 } })).toBe("");
  });
});
