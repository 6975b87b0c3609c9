import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { procAvailable, readTreeRss } from "./proc-memory.ts";
import { parseStatusRss } from "./process-rss.ts";

describe.runIf(procAvailable())("readTreeRss on this machine's /proc", () => {
  it("counts a process with its children; a pid that is gone counts 0", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const own = parseStatusRss(readFileSync("/proc/self/status", "utf8")) ?? 0;
      const sums = await readTreeRss([process.pid, 2 ** 22 + 7]);
      const withChild = sums.get(process.pid) ?? 0;
      expect(withChild).toBeGreaterThan(own / 2);
      const alone = (await readTreeRss([child.pid as number])).get(child.pid as number) ?? 0;
      expect(alone).toBeGreaterThan(0);
      expect(withChild).toBeGreaterThan(alone);
      expect(sums.get(2 ** 22 + 7)).toBe(0);
    } finally {
      child.kill();
    }
  });
});
