import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { claudePid, processGone, processStart } from "./claude-pid.ts";

describe("the Claude Code pid a hook reports", () => {
  it("is CLAUDE_PID when the CLI set it, and never a malformed one", () => {
    expect(claudePid({ CLAUDE_PID: "4242" }, 1)).toBe(4242);
    expect(claudePid({ CLAUDE_PID: "42x" }, process.pid)).toBe(process.pid);
    expect(claudePid({ CLAUDE_PID: "99999999999" }, process.pid)).toBe(process.pid);
  });

  it.runIf(existsSync("/proc/self/stat"))(
    "without it: the parent, or the parent's parent when the parent is the hook's shell",
    async () => {
      // `; :` keeps sh from exec'ing sleep: sh stays the parent, as when Claude Code runs a hook.
      const sh = spawn("sh", ["-c", "sleep 30; :"], { stdio: "ignore" });
      try {
        await new Promise((resolve) => sh.once("spawn", resolve));
        if (sh.pid === undefined) throw new Error("sh did not start");
        expect(claudePid({}, sh.pid)).toBe(process.pid);
        expect(claudePid({}, process.pid)).toBe(process.pid);
      } finally {
        sh.kill("SIGKILL");
      }
    },
  );

  it("a recorded process is gone when its pid is, or when the pid now names a later process", () => {
    const probe = (alive: boolean, start: string | null) => ({ alive: () => alive, start: () => start });
    expect(processGone(7, "100", probe(false, null))).toBe(true);
    expect(processGone(7, "100", probe(true, "100"))).toBe(false);
    expect(processGone(7, "100", probe(true, "250"))).toBe(true);
    // Unknown starts never end a session that may still run.
    expect(processGone(7, null, probe(true, "250"))).toBe(false);
    expect(processGone(7, "100", probe(true, null))).toBe(false);
  });

  it.runIf(existsSync("/proc/self/stat"))("reads a live process's start, the same each time", () => {
    const start = processStart(process.pid);
    expect(start).toMatch(/^[0-9]+$/);
    expect(processStart(process.pid)).toBe(start);
    expect(processGone(process.pid, start)).toBe(false);
  });
});
