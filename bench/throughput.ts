import { CORPUS_METHOD, meanBodyBytes } from "./corpus.ts";
import { type Contender, messages, newRoom, type Payload, TETHER_PACE } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { median, round, waitFor } from "./support/stats.ts";

const PHONES = 3;
const BURST = 900;
const BURST_RUNS = 5;
const SUSTAINED = 5_000;

const SETUP =
  `One room: one sender (Tether: the bridge's socket) and ${PHONES} receivers (phones). The sender hands ` +
  `over its messages (1 KiB unless the figure says otherwise) as fast as its stack takes them (Tether: send frames of 100, the bridge's ` +
  `batch size, and the floor the same, one commit per frame; ws and Socket.IO: one frame or event per message, their usual API). The clock runs from the ` +
  `first send until every receiver has the last message; value = messages per second delivered to each ` +
  `receiver (× ${PHONES} for the room's total).`;

/** Messages per second through one room with one sender and three receivers. */
export async function measureThroughput(
  contenders: readonly Contender[],
  payload: Payload = "random",
): Promise<Figure[]> {
  const once = (c: Contender, n: number) => onceWith(c, n, payload);
  const realistic = payload === "realistic";
  const id = (base: string) => (realistic ? `${base}-realistic` : base);
  const what = realistic ? `, realistic bodies (mean ${meanBodyBytes()} B)` : "";
  const corpus = realistic ? ` ${CORPUS_METHOD}` : "";
  const burst = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  for (let run = 0; run < BURST_RUNS; run++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(run + k) % contenders.length]!;
      burst.get(c)!.push((await once(c, BURST)).perPhone);
    }
  }
  const sustained = new Map<Contender, { perPhone: number; ms: number }>();
  for (const c of contenders) sustained.set(c, await once(c, SUSTAINED));
  return [
    figure(
      {
        id: id("throughput-burst"),
        name: `throughput, 1 sender → ${PHONES} phones, a burst of ${BURST} messages${what}`,
        unit: "messages/s per phone",
        better: "higher",
        method:
          `${SETUP} ${BURST} messages fit in the relay's per-socket burst allowance (1,000), so this ` +
          `shows what the relay itself carries. ${BURST_RUNS} runs each, the stacks taking turns; value = median.${corpus}`,
      },
      contenders.map((c) => ({
        contender: c.id,
        value: round(median(burst.get(c)!), 0),
        detail: { runs: burst.get(c)!.map((x) => round(x, 0)) },
      })),
    ),
    figure(
      {
        id: id("throughput-sustained"),
        name: `throughput, 1 sender → ${PHONES} phones, ${SUSTAINED.toLocaleString("en")} messages${what}`,
        unit: "messages/s per phone",
        better: "higher",
        method:
          `${SETUP} ${SUSTAINED.toLocaleString("en")} messages, one run each. Tether's relay limits every ` +
          `socket to 200 messages/s after a burst of 1,000 (docs/protocol.md §6.1, to protect a room from a ` +
          `runaway client), and the benchmark's bridge keeps to ${TETHER_PACE.perSecond}/s, so Tether's ` +
          `figure here is that limit by design, not the relay's capacity; the floor, ws and Socket.IO have no such limit.${corpus}`,
      },
      contenders.map((c) => {
        const r = sustained.get(c)!;
        return { contender: c.id, value: round(r.perPhone, 0), detail: { seconds: round(r.ms / 1000, 2) } };
      }),
    ),
  ];
}

async function onceWith(
  c: Contender,
  n: number,
  payload: Payload,
): Promise<{ perPhone: number; ms: number }> {
  const room = newRoom();
  const sender = await c.sender(room);
  const counts = Array.from({ length: PHONES }, () => ({ n: 0, lastAt: 0 }));
  const phones = await Promise.all(
    counts.map((tally) =>
      c.receiver(room, (_mid, at) => {
        tally.n++;
        tally.lastAt = at;
      }),
    ),
  );
  const msgs = messages(n, payload);
  try {
    const t0 = performance.now();
    await sender.sendAll(msgs);
    const all = () => counts.every((t) => t.n >= n);
    await waitFor(all, 120_000, () => `${c.id}: phones have ${counts.map((t) => t.n).join("/")} of ${n}`);
    if (counts.some((t) => t.n !== n))
      throw new Error(`${c.id}: phones got ${counts.map((t) => t.n)} of ${n}`);
    const ms = Math.max(...counts.map((t) => t.lastAt)) - t0;
    return { perPhone: (n * 1000) / ms, ms };
  } finally {
    await sender.close();
    for (const p of phones) await p.close();
  }
}
