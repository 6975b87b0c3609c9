import { CORPUS_METHOD, meanBodyBytes } from "./corpus.ts";
import { type Contender, message, newRoom, type Payload, type Sender } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { percentile, round, sleep } from "./support/stats.ts";

const WARMUP = 200;
const ROUNDS = 10;
const PER_ROUND = 200;
/** One send every 6 ms at most (≈166/s): below Tether's 200/s bucket, the same cadence for all. */
const GAP_MS = 6;

export const ROUND_TRIP_METHOD =
  `One room, one sender and one receiver per stack. The sender sends a 1 KiB message (JSON of 1,024 ` +
  `bytes of body) and the next one only after the receiver got it; a sample runs from just before the ` +
  `sender's socket write to the moment the receiver's socket delivered the frame carrying it ` +
  `(Tether: the relay's msgs frame, after the message is stored and acked). ${WARMUP} warm-up messages ` +
  `per stack, then ${ROUNDS} rounds of ${PER_ROUND} samples, the stacks taking turns round by round so ` +
  `that load from elsewhere on the machine falls on all of them. Sends are at most one per ${GAP_MS} ms ` +
  `for every stack (Tether's relay limits a socket to 200 messages/s); the wait is outside the clock. ` +
  `Clients are Node ws / socket.io-client in the benchmark process; each server is its own process.`;

type Pair = {
  contender: Contender;
  sender: Sender;
  close: () => Promise<void>;
  arrivals: Map<string, (at: number) => void>;
  samples: number[];
};

/** Tether's goal (issue 14): its round-trip p50 at most this many times the durable floor's. */
export const FLOOR_GOAL = 1.25;

/** Round trip through each stack: figures for p50 and p99, with random or realistic bodies. */
export async function measureRoundTrip(
  contenders: readonly Contender[],
  payload: Payload = "random",
): Promise<Figure[]> {
  const pairs: Pair[] = [];
  try {
    for (const c of contenders) pairs.push(await openPair(c));
    for (const p of pairs) await run(p, WARMUP, false, payload);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < pairs.length; k++)
        await run(pairs[(r + k) % pairs.length]!, PER_ROUND, true, payload);
    }
  } finally {
    for (const p of pairs) await p.close();
  }
  const extensions = await Promise.all(pairs.map((p) => p.contender.extensions()));
  const realistic = payload === "realistic";
  return [50, 99].map((p) =>
    figure(
      {
        id: realistic ? `round-trip-realistic-p${p}` : `round-trip-p${p}`,
        name: realistic
          ? `round trip of a realistic message (corpus, mean ${meanBodyBytes()} B), p${p}`
          : `round trip of a 1 KiB message, client → server → client, p${p}`,
        unit: "ms",
        better: "lower",
        method: realistic
          ? `${ROUND_TRIP_METHOD.replace("a 1 KiB message (JSON of 1,024 bytes of body)", "the corpus' next body")} ${CORPUS_METHOD}`
          : ROUND_TRIP_METHOD,
      },
      pairs.map((pair, i) => ({
        contender: pair.contender.id,
        value: round(percentile(pair.samples, p)),
        detail: {
          ...summary(pair.samples),
          samples: pair.samples.length,
          websocketExtensions: extensions[i] || "none",
          ...(p === 50 && pair.contender.id === "tether" ? floorGoal(pairs) : {}),
        },
      })),
    ),
  );
}

/** Tether's p50 ÷ the floor's, and whether it meets the goal (absent without a floor). */
function floorGoal(pairs: readonly Pair[]): Record<string, unknown> {
  const of = (id: string) => pairs.find((x) => x.contender.id === id)?.samples ?? [];
  const floor = of("floor");
  if (floor.length === 0) return {};
  const ratio = round(percentile(of("tether"), 50) / percentile(floor, 50));
  return { p50TimesFloor: ratio, goal: `p50 ≤ ${FLOOR_GOAL}× the floor's`, goalMet: ratio <= FLOOR_GOAL };
}

async function openPair(contender: Contender): Promise<Pair> {
  const room = newRoom();
  const arrivals = new Map<string, (at: number) => void>();
  const sender = await contender.sender(room);
  const receiver = await contender.receiver(room, (mid, at) => arrivals.get(mid)?.(at));
  const close = async () => {
    await sender.close();
    await receiver.close();
  };
  return { contender, sender, close, arrivals, samples: [] };
}

async function run(p: Pair, n: number, keep: boolean, payload: Payload): Promise<void> {
  let next = 0;
  for (let i = 0; i < n; i++) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    next = performance.now() + GAP_MS;
    const msg = message(payload);
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${p.contender.id}: no delivery in 10 s`)), 10_000);
      p.arrivals.set(msg.mid, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    const sentAt = await p.sender.sendOne(msg);
    const at = await arrived;
    p.arrivals.delete(msg.mid);
    if (keep) p.samples.push(at - sentAt);
  }
}

function summary(samples: readonly number[]) {
  const at = (q: number) => round(percentile(samples, q));
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}
