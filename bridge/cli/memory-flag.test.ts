import { describe, expect, it } from "vitest";
import { memoryBudget } from "./memory-flag.ts";

const GiB = 1024 ** 3;

describe("memoryBudget: --max-live-memory", () => {
  it("defaults to 25% of RAM and says so", () => {
    const b = memoryBudget(undefined, {}, 16 * GiB, true);
    expect(b).toEqual({
      bytes: 4 * GiB,
      said: expect.stringContaining("4 GiB together (25% of 16 GiB RAM, the default)"),
    });
  });

  it("a size or a percent, from the flag or TETHER_MAX_LIVE_MEMORY; the flag wins", () => {
    expect(memoryBudget("2G", { TETHER_MAX_LIVE_MEMORY: "1G" }, 16 * GiB, true).bytes).toBe(2 * GiB);
    expect(memoryBudget(undefined, { TETHER_MAX_LIVE_MEMORY: "50%" }, 16 * GiB, true).bytes).toBe(8 * GiB);
    expect(memoryBudget("1.5GiB", {}, 16 * GiB, true).said).not.toContain("default");
  });

  it("a bad value is a usage error", () => {
    expect(() => memoryBudget("lots", {}, 16 * GiB, true)).toThrow(/--max-live-memory/);
    expect(() => memoryBudget("0%", {}, 16 * GiB, true)).toThrow(/--max-live-memory/);
  });

  it("without /proc: no budget, said once at start", () => {
    expect(memoryBudget("2G", {}, 16 * GiB, false)).toEqual({
      bytes: null,
      said: expect.stringContaining("only --max-live"),
    });
  });
});
