import { floorCatchUp, tetherCatchUp } from "./catch-up.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { type Contender, message, newRoom } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import type { FloorServer } from "./support/floor-server.ts";
import { median, percentile, round, sleep, waitFor } from "./support/stats.ts";

const RECEIVERS = [1, 10, 100] as const;
const FAN_WARMUP = 20;
const FAN_SAMPLES = 100;
const GAP_MS = 6;
const BACKLOGS = [1_000, 10_000, 100_000] as const;

/** Round trip p50 with 1, 10 and 100 receivers in the room: the clock stops at the last one. */
export async function measureFanOut(contenders: readonly Contender[], relay: BenchRelay): Promise<Figure[]> {
  await relay.ensureDeviceTokens(Math.max(...RECEIVERS));
  const figures: Figure[] = [];
  for (const n of RECEIVERS) {
    const results = [];
    for (const c of contenders) results.push({ c, samples: await fanOut(c, n) });
    figures.push(
      figure(
        {
          id: `fan-out-${n}`,
          name: `round trip p50 to the last of ${n} receiver${n === 1 ? "" : "s"} in a room (1 KiB)`,
          unit: "ms",
          better: "lower",
          method:
            `One room per stack with one sender and ${n} receivers (Tether: phones on ${Math.ceil(n / 8)} device ` +
            `token(s), 8 sockets per token being the relay's cap). One 1 KiB message at a time, the next ` +
            `only after every receiver has it, at most one per ${GAP_MS} ms; a sample runs from just before ` +
            `the sender's write until the last receiver's socket delivered it. ${FAN_WARMUP} warm-up ` +
            `messages, then ${FAN_SAMPLES} samples; value = p50. Every receiver is in the benchmark ` +
            `process, so with 100 its own parsing (zod for Tether) is part of the figure for all stacks.`,
        },
        results.map(({ c, samples }) => ({
          contender: c.id,
          value: round(percentile(samples, 50)),
          detail: {
            p90: round(percentile(samples, 90)),
            p99: round(percentile(samples, 99)),
            samples: samples.length,
          },
        })),
      ),
    );
  }
  return figures;
}

async function fanOut(c: Contender, n: number): Promise<number[]> {
  const room = newRoom();
  const sender = await c.sender(room);
  const seen = new Map<string, { count: number; lastAt: number }>();
  const receivers = [];
  try {
    for (let i = 0; i < n; i++)
      receivers.push(
        await c.receiver(room, (mid, at) => {
          const s = seen.get(mid);
          if (s) {
            s.count++;
            s.lastAt = Math.max(s.lastAt, at);
          }
        }),
      );
    const samples: number[] = [];
    for (let i = 0; i < FAN_WARMUP + FAN_SAMPLES; i++) {
      const msg = message();
      const s = { count: 0, lastAt: 0 };
      seen.set(msg.mid, s);
      const sentAt = await sender.sendOne(msg);
      await waitFor(
        () => s.count >= n,
        10_000,
        () => `${c.id}: ${s.count} of ${n} receivers got it`,
      );
      seen.delete(msg.mid);
      if (i >= FAN_WARMUP) samples.push(s.lastAt - sentAt);
      await sleep(GAP_MS);
    }
    return samples;
  } finally {
    await sender.close();
    for (const r of receivers) await r.close();
  }
}

/** Catch-up time for backlogs of 1k, 10k and 100k (Tether and the floor, both from SQLite). */
export async function measureBacklogs(relay: BenchRelay, floor: FloorServer): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const backlog of BACKLOGS) {
    const runs = backlog >= 100_000 ? 1 : 3;
    const t: number[] = [];
    const f: number[] = [];
    for (let r = 0; r < runs; r++) {
      t.push(await tetherCatchUp(relay, backlog, "random"));
      f.push(await floorCatchUp(floor, backlog, "random"));
    }
    const k = backlog / 1000;
    const entry = (id: "tether" | "floor", ms: number[]) => ({
      contender: id,
      value: round(median(ms)),
      detail: { runsMs: ms.map((x) => round(x)), msPer1kMessages: round(median(ms) / k) },
    });
    figures.push(
      figure(
        {
          id: `catch-up-backlog-${k}k`,
          name: `catch-up of a backlog of ${backlog.toLocaleString("en")} messages (1 KiB)`,
          unit: "ms",
          better: "lower",
          method:
            `As the catch-up figure (a caught-up receiver drops, the backlog is stored, the clock runs from ` +
            `its reconnect to the last missed message applied), for backlogs of ${BACKLOGS.map((b) => b.toLocaleString("en")).join(", ")}: ` +
            `linear growth keeps detail.msPer1kMessages flat. ${runs} run(s) each; value = median. Tether ` +
            `and the durable floor only (both replay from SQLite; the 100,000 fits Tether's room cap of ` +
            `TETHER_ROOM_MAX_MESSAGES = 100,000). The rooms stay, for the storage figure.`,
        },
        [entry("tether", t), entry("floor", f)],
      ),
    );
  }
  return figures;
}
