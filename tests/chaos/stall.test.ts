import { describe, expect, it } from "vitest";
import { History } from "./history.ts";
import { StallDetector, type StallReport, Waits } from "./stall.ts";
import { watchStalls } from "./stalled-run.ts";

/** Resolves with the report, or with null if the detector has not fired within `ms`. */
function firedWithin(d: StallDetector, ms: number): Promise<StallReport | null> {
  return Promise.race([d.stalled, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

const never = new Promise<never>(() => {});

describe("stall detector", () => {
  it("fires on a wait that never resolves and names it", async () => {
    const waits = new Waits();
    const d = new StallDetector({ afterMs: 200, waits, checkEveryMs: 20 });
    void waits.on("storm-042", "caught_up", never);
    void waits.on("lane storm", "fault 7/9: storm on storm", never);
    const done = waits.on("runner", "something that ends", Promise.resolve(1));
    await done;
    d.start();
    const report = await firedWithin(d, 2_000);
    d.stop();
    expect(report).not.toBeNull();
    expect(report?.idleMs).toBeGreaterThanOrEqual(200);
    expect(report?.waits.map((w) => `${w.who}: ${w.what}`)).toEqual([
      "storm-042: caught_up",
      "lane storm: fault 7/9: storm on storm",
    ]);
  });

  it("does not fire while progress happens, and fires once it stops", async () => {
    const waits = new Waits();
    const d = new StallDetector({ afterMs: 200, waits, checkEveryMs: 20 });
    void waits.on("writer", "fault progress", never);
    d.start();
    const ticker = setInterval(() => d.progress("tick"), 50);
    const during = await firedWithin(d, 1_000);
    clearInterval(ticker);
    expect(during).toBeNull();
    const after = await firedWithin(d, 2_000);
    d.stop();
    expect(after?.lastProgress?.what).toBe("tick");
    expect(after?.waits.map((w) => w.who)).toEqual(["writer"]);
  });

  it("drops a wait from the report once it settles, rejected or not", async () => {
    const waits = new Waits();
    await waits.on("a", "x", Promise.reject(new Error("no"))).catch(() => {});
    const end = waits.begin("b", "y");
    expect(waits.snapshot().map((w) => w.who)).toEqual(["b"]);
    end();
    end();
    expect(waits.size).toBe(0);
  });

  it("makes a run's history events its progress and its until() its waits", async () => {
    const history = new History();
    const watch = watchStalls({ stallAfterMs: 300 } as Parameters<typeof watchStalls>[0], history);
    void history.until(() => false, 5_000, "the bridge to reconnect", "lane process").catch(() => {});
    const ticker = setInterval(() => history.add("bridge", { op: "crash", outcome: "info" }), 50);
    await new Promise((r) => setTimeout(r, 800));
    clearInterval(ticker);
    const err = await watch.stalled.catch((e: unknown) => e);
    watch.stop();
    expect(err).toBeInstanceOf(Error);
    const report = (err as { report: StallReport }).report;
    expect(report.idleMs).toBeGreaterThanOrEqual(300);
    expect(report.waits.map((w) => `${w.who}: ${w.what}`)).toEqual(["lane process: the bridge to reconnect"]);
  });
});
