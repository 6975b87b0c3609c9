import { describe, expect, it } from "vitest";
import { historyLine } from "./history.ts";
import { EVENT_VERSION, type EventBody, type LifecycleEvent } from "./lifecycle-event.ts";

const room = "s-a";
function log(bodies: EventBody[]): LifecycleEvent[] {
  return bodies.map((b, i) => ({ v: EVENT_VERSION, seq: i + 1, at: 1_000 * i, ...b }) as LifecycleEvent);
}

describe("historyLine", () => {
  it("says a session's life in a line", () => {
    const resumed = { type: "session.resumed", room, claudeSessionId: "c1", from: "sleep" } as const;
    const turn = { type: "turn.ended", room, ok: true, subtype: "success", turnMs: 5 } as const;
    const events = log([
      { type: "session.created", room },
      { ...turn, inputMid: "m1" },
      resumed,
      resumed,
      resumed,
      {
        type: "session.fallback",
        room,
        fromClaudeSessionId: "c1",
        reason: "its transcript is missing",
        inputMid: "m2",
      },
      { ...turn, inputMid: "m2", ok: false, subtype: "interrupted" },
      { type: "prompt.asked", room, requestId: "p1", kind: "tool" },
      {
        type: "prompt.resolved",
        room,
        requestId: "p1",
        kind: "tool",
        by: "timeout",
        decision: "deny",
        waitMs: 9,
      },
    ]);
    expect(historyLine(events, 120_000)).toBe(
      "created 2 min ago · resumed 3×, fell back once: its transcript is missing · 2 turns, 1 failed · 1 prompt, 1 timed out",
    );
  });
});
