import { describe, expect, it } from "vitest";
import { HEALTH_EVERY_MS, healthEveryMs } from "./health-publisher.ts";

describe("TETHER_HEALTH_EVERY_MS", () => {
  it("takes whole milliseconds within 100 ms and an hour, and the minute otherwise", () => {
    const every = (v?: string) => healthEveryMs(v === undefined ? {} : { TETHER_HEALTH_EVERY_MS: v });
    expect(every()).toBe(HEALTH_EVERY_MS);
    expect(every("1000")).toBe(1000);
    expect(every(" 250 ")).toBe(250);
    expect(every("100")).toBe(100);
    expect(every("3600000")).toBe(3_600_000);
    for (const bad of ["", "99", "0", "-5", "1e3", "1.5", "0x10", "3600001", "99999999999", "abc"])
      expect(every(bad), bad).toBe(HEALTH_EVERY_MS);
  });
});
