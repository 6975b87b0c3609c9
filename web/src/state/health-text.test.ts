import { describe, expect, it } from "vitest";
import { healthRows } from "./health-text.ts";

describe("health texts", () => {
  it("the machine health sheet: since start / since install, then what is so now", () => {
    const rows = healthRows({
      installedAt: 1,
      startedAt: 2,
      sinceInstall: {
        sessionsResumed: 7,
        promptsAnsweredPhone: 2,
        promptsAnsweredElsewhere: 1,
        relayLongestOutageMs: 4200,
      },
      sinceStart: { sessionsResumed: 1, unknownCounter: 9 },
      now: {
        sessionsLive: 1,
        sessionsSleeping: 2,
        sessionsRegistered: 3,
        outboxQueued: 0,
        liveClaudeRssBytes: null,
      },
      at: 3,
    });
    const map = new Map(rows);
    expect(map.get("Resumed")).toBe("1 / 7");
    expect(map.get("Answered")).toBe("0 / 3");
    expect(map.get("Longest relay outage")).toBe("0 ms / 4.2 s");
    expect(map.get("Sessions now")).toBe("1 live, 2 sleeping, 3 in all");
    expect(map.has("Claude processes' memory")).toBe(false);
    expect(map.has("Slept for memory")).toBe(false);
    expect(map.has("Pushes sent")).toBe(false);
  });

  it("the relay's push totals, from a bridge that read them", () => {
    const rows = new Map(
      healthRows({
        installedAt: 1,
        startedAt: 2,
        sinceInstall: { pushesSent: 12, pushesFailed: 3, pushesRetried: 1 },
        sinceStart: { pushesSent: 2, pushesFailed: 1 },
        now: {},
        at: 3,
      }),
    );
    expect(rows.get("Pushes sent")).toBe("2 / 12");
    expect(rows.get("Pushes failed")).toBe("1 / 3");
  });

  it("the live processes' memory against the budget, and the sleeps it caused", () => {
    const rows = new Map(
      healthRows({
        installedAt: 1,
        startedAt: 2,
        sinceInstall: { "sessionsSlept.memory": 3 },
        sinceStart: { "sessionsSlept.memory": 1 },
        now: { liveClaudeRssBytes: 400 * 2 ** 20, liveClaudeBudgetBytes: 1024 * 2 ** 20 },
        at: 3,
      }),
    );
    expect(rows.get("Claude processes' memory")).toBe("400 MiB of a 1024 MiB budget");
    expect(rows.get("Slept for memory")).toBe("1 / 3");
  });
});
