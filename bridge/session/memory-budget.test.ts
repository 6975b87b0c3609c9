import { describe, expect, it } from "vitest";
import {
  formatBytes,
  type LiveSession,
  overBudget,
  parseBudget,
  parseByteSize,
  sleptForMemoryText,
} from "./memory-budget.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function s(room: string, rssMiB: number, idle: boolean, lastActive: number): LiveSession {
  return { room, rss: rssMiB * MiB, idle, lastActive };
}

describe("overBudget: which sessions sleep for memory", () => {
  it("under or at the budget: none", () => {
    const live = [s("a", 200, true, 1), s("b", 200, true, 2)];
    expect(overBudget(live, 400 * MiB)).toEqual({ total: 400 * MiB, sleep: [] });
  });

  it("the least recently used idle session first, and stops once under the budget", () => {
    const live = [s("new", 200, true, 30), s("old", 200, true, 10), s("mid", 200, true, 20)];
    expect(overBudget(live, 450 * MiB).sleep.map((x) => x.room)).toEqual(["old"]);
    expect(overBudget(live, 300 * MiB).sleep.map((x) => x.room)).toEqual(["old", "mid"]);
  });

  it("never a session with a running turn, even the least recently used", () => {
    const live = [s("running", 250, false, 1), s("idle", 200, true, 50)];
    expect(overBudget(live, 300 * MiB).sleep.map((x) => x.room)).toEqual(["idle"]);
  });

  it("running sessions alone over the budget: every idle one sleeps, no running one", () => {
    const live = [s("r1", 300, false, 1), s("r2", 300, false, 2), s("i", 100, true, 3)];
    const v = overBudget(live, 200 * MiB);
    expect(v.total).toBe(700 * MiB);
    expect(v.sleep).toEqual([{ room: "i", rss: 100 * MiB }]);
    expect(overBudget([s("r", 900, false, 1)], 200 * MiB).sleep).toEqual([]);
  });

  it("counts memory only: many small processes under the budget stay (the count cap is separate)", () => {
    const live = Array.from({ length: 30 }, (_, i) => s(`s${i}`, 10, true, i));
    expect(overBudget(live, GiB).sleep).toEqual([]);
  });
});

describe("parseBudget and parseByteSize", () => {
  it("sizes with binary units, with or without i/B", () => {
    expect(parseByteSize("512M")).toBe(512 * MiB);
    expect(parseByteSize("2G")).toBe(2 * GiB);
    expect(parseByteSize("1.5GiB")).toBe(1.5 * GiB);
    expect(parseByteSize("300MB")).toBe(300 * MiB);
    expect(parseByteSize("64k")).toBe(64 * 1024);
    expect(parseByteSize("1048576")).toBe(MiB);
    expect(parseByteSize(" 1 t ")).toBe(1024 * GiB);
  });

  it("nonsense and zero are refused", () => {
    for (const bad of ["", "0", "0M", "-1G", "lots", "1.5.2G", "2X", "G"])
      expect(parseByteSize(bad)).toBeNull();
  });

  it("a percent of the machine's RAM", () => {
    expect(parseBudget("25%", 16 * GiB)).toBe(4 * GiB);
    expect(parseBudget("12.5 %", 8 * GiB)).toBe(GiB);
    expect(parseBudget("2G", 16 * GiB)).toBe(2 * GiB);
    for (const bad of ["0%", "101%", "%", "x%"]) expect(parseBudget(bad, 16 * GiB)).toBeNull();
  });

  it("formatBytes for people", () => {
    expect(formatBytes(210 * MiB)).toBe("210 MiB");
    expect(formatBytes(1.5 * GiB)).toBe("1.5 GiB");
    expect(formatBytes(6 * GiB)).toBe("6 GiB");
    expect(formatBytes(512)).toBe("512 B");
  });
});

describe("sleptForMemoryText", () => {
  const MiB = 1024 ** 2;
  it("names the total and the budget, and the process about to start when there is one", () => {
    const measured = sleptForMemoryText({ rss: 150 * MiB, total: 400 * MiB, budget: 300 * MiB });
    expect(measured).toContain("held 400 MiB, over their 300 MiB budget");
    expect(measured).not.toContain("about to start");
    const before = sleptForMemoryText({
      rss: 150 * MiB,
      total: 350 * MiB,
      budget: 300 * MiB,
      starting: 200 * MiB,
    });
    expect(before).toContain("one about to start (about 200 MiB) came to 350 MiB, over their 300 MiB budget");
  });
});
