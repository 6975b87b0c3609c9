import { describe, expect, it } from "vitest";
import type { StatusRes } from "../control/control-api.ts";
import { render } from "./status-command.ts";

const MiB = 1024 ** 2;
const base: StatusRes = {
  pid: 1,
  startedAt: Date.now(),
  machineId: "mc1",
  name: "box",
  relayUrl: "http://127.0.0.1:8787",
  embedded: true,
  relay: { state: "online", epoch: 3 },
  rooms: [],
  sessions: [],
};

describe("tether status: memory and the cap", () => {
  it("shows the budget, the live total and the sessions slept for memory with why", () => {
    const at = Date.UTC(2026, 11, 4, 12, 0, 0);
    const text = render({
      ...base,
      memory: {
        budget: 300 * MiB,
        liveRss: 210 * MiB,
        measuredAt: at,
        slept: [{ room: "s-a", rss: 205 * MiB, total: 410 * MiB, budget: 300 * MiB, at }],
      },
    });
    expect(text).toContain("Memory    210 MiB live of a 300 MiB budget");
    expect(text).toContain("Slept for memory");
    expect(text).toMatch(/s-a\s+2026-12-04T12:00:00.000Z\s+205 MiB\s+410 MiB of 300 MiB/);
  });

  it("lists the sessions slept for the live-process cap beside those slept for memory", () => {
    const at = Date.UTC(2026, 11, 4, 12, 0, 0);
    const text = render({ ...base, cap: { maxLive: 2, slept: [{ room: "s-b", at }] } });
    expect(text).toContain("Slept for the live-process cap (--max-live 2;");
    expect(text).toMatch(/s-b\s+2026-12-04T12:00:00.000Z/);
    expect(render({ ...base, cap: { maxLive: 2, slept: [] } })).not.toContain("Slept for");
  });

  it("no budget here (no /proc), and a bridge too old to say", () => {
    const none = { budget: null, liveRss: null, measuredAt: null, slept: [] };
    expect(render({ ...base, memory: none })).toContain("only --max-live applies");
    expect(render(base)).not.toContain("Memory");
  });
});

describe("tether status: the relay's pushes", () => {
  it("the last push and the last error, without the control characters a push service may send", () => {
    const at = Date.UTC(2026, 11, 4, 12, 0, 0);
    const text = render({
      ...base,
      pushes: { lastError: "push service answered 410: gone\u001b[2J", lastAt: at },
    });
    expect(text).toContain(
      "Pushes    last sent or tried 2026-12-04T12:00:00.000Z; last error: push service answered 410: gone",
    );
    expect(text).not.toContain("\u001b");
    expect(render({ ...base, pushes: { lastError: null, lastAt: at } })).not.toContain("last error");
    expect(render({ ...base, pushes: null })).not.toContain("Pushes ");
  });
});
