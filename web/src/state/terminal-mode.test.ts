import { describe, expect, it } from "vitest";
import { terminalHint, terminalMode } from "./terminal-mode.ts";

describe("terminal sessions on the phone", () => {
  it("is live until the terminal ended, and none for a session the bridge runs", () => {
    expect(terminalMode("terminal", "running")).toBe("live");
    expect(terminalMode("terminal", undefined)).toBe("live");
    expect(terminalMode("terminal", "ended")).toBe("ended");
    expect(terminalMode(undefined, "ended")).toBeNull();
    expect(terminalMode("something-newer", "idle")).toBeNull();
  });

  it("tells which path a message takes", () => {
    expect(terminalHint("live")).toMatch(/when Claude's turn ends/);
    expect(terminalHint("ended")).toMatch(/continues it here/);
    expect(terminalHint(null)).toBeNull();
  });
});
