import { describe, expect, it } from "vitest";
import { type LiveProcess, MemoryWatch, type SleptForMemory, SPAWN_ESTIMATE_BYTES } from "./memory-watch.ts";

const MiB = 1024 ** 2;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function watch(live: LiveProcess[], rss: Record<number, number>, budget: number | null) {
  const slept: SleptForMemory[] = [];
  const w = new MemoryWatch({
    budget,
    intervalMs: 60_000,
    read: async (pids) => new Map(pids.map((p) => [p, (rss[p] ?? 0) * MiB])),
    live: () => live,
    sleep: (why) => {
      slept.push(why);
      const i = live.findIndex((p) => p.room === why.room);
      if (i >= 0) live.splice(i, 1);
      return true;
    },
    log: quiet,
  });
  return { w, slept };
}

async function settled(w: MemoryWatch): Promise<void> {
  for (let i = 0; i < 20 && w.status().measuredAt === null; i++) await new Promise((r) => setImmediate(r));
}

describe("MemoryWatch", () => {
  it("measures the live processes and sleeps the least recently used idle one over the budget", async () => {
    const live = [
      { room: "a", pid: 1, idle: true, lastActive: 10 },
      { room: "b", pid: 2, idle: false, lastActive: 5 },
      { room: "c", pid: 3, idle: true, lastActive: 20 },
    ];
    const { w, slept } = watch(live, { 1: 200, 2: 200, 3: 200 }, 450 * MiB);
    w.measureSoon();
    await settled(w);
    expect(slept.map((s) => [s.room, s.rss, s.total])).toEqual([["a", 200 * MiB, 600 * MiB]]);
    expect(w.liveRssBytes()).toBe(400 * MiB);
    expect(w.status()).toMatchObject({ budget: 450 * MiB, liveRss: 400 * MiB, slept: [{ room: "a" }] });
  });

  it("before a spawn, idle sessions sleep if they and the new process's estimate exceed the budget", async () => {
    const live = [
      { room: "old", pid: 1, idle: true, lastActive: 10 },
      { room: "busy", pid: 2, idle: false, lastActive: 5 },
      { room: "newer", pid: 3, idle: true, lastActive: 20 },
    ];
    // 300 MiB live + 200 MiB estimated = 500 MiB over 450: the least recently used idle one goes.
    const { w, slept } = watch(live, { 1: 100, 2: 100, 3: 100 }, 450 * MiB);
    await w.makeRoom("starting");
    const total = 300 * MiB + SPAWN_ESTIMATE_BYTES;
    expect(slept).toEqual([
      {
        room: "old",
        rss: 100 * MiB,
        total,
        budget: 450 * MiB,
        at: expect.any(Number),
        starting: SPAWN_ESTIMATE_BYTES,
      },
    ]);
    // The estimate is not a measurement: the live total is what the processes hold.
    expect(w.liveRssBytes()).toBe(200 * MiB);
    // Under the budget with the estimate: nothing sleeps.
    await w.makeRoom("another");
    expect(slept).toHaveLength(1);
  });

  it("before a spawn, a running session is never slept, even when the estimate goes over", async () => {
    const live = [{ room: "busy", pid: 1, idle: false, lastActive: 5 }];
    const { w, slept } = watch(live, { 1: 400 }, 450 * MiB);
    await w.makeRoom("starting");
    expect(slept).toEqual([]);
  });

  it("a session whose process changed while /proc was read is left for the next measurement", async () => {
    const live = [{ room: "a", pid: 1, idle: true, lastActive: 10 }];
    const { w, slept } = watch(live, { 1: 500 }, 100 * MiB);
    const first = live[0] as LiveProcess;
    w.measureSoon();
    live[0] = { ...first, pid: 9 };
    await settled(w);
    expect(slept).toEqual([]);
  });

  it("without a budget (no /proc) it measures nothing", async () => {
    const { w, slept } = watch([{ room: "a", pid: 1, idle: true, lastActive: 1 }], { 1: 900 }, null);
    w.start();
    w.measureSoon();
    await new Promise((r) => setImmediate(r));
    expect([slept, w.liveRssBytes(), w.status().budget]).toEqual([[], null, null]);
    w.stop();
  });
});
