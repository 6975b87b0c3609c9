import { randomBytes } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { sealBodySync } from "../bridge/e2e/node-seal.ts";
import { type E2eKey, importRoomKey, openBody, sealBody } from "../shared/core/e2e/webcrypto.ts";
import type { OutMsg, StoredMsg } from "../shared/protocol/index.ts";
import { WireClient } from "../tests/support/wire-client.ts";
import { CORPUS_METHOD, realisticBodies } from "./corpus.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { type AwayPhone, tetherPhoneAway } from "./support/catch-up-clients.ts";
import { cid, message, newRoom, TETHER_PACE } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { median, percentile, round, sleep } from "./support/stats.ts";

// What end-to-end encryption (docs/protocol.md §12) costs, side by side with it off (issue 15).
// The sender seals as the bridge does (node:crypto, synchronous, before the socket write); the
// receiver opens as the phone does (WebCrypto, async, in order). Both inside every clock.

const SAMPLES = 600;
const GAP_MS = 6;
const BACKLOG = 10_000;
const CATCH_UP_RUNS = 3;
const CPU_PASSES = 3;
const RAW_KEY = randomBytes(32);
const NOT_OURS = "no counterpart: the other stacks carry what they are given";

type Mode = "plain" | "sealed";

/** A message as the bridge would send it in `room`: its body sealed under the room key. */
function sealed(room: string, m: OutMsg): OutMsg {
  return { ...m, body: sealBodySync(RAW_KEY, 1, { room, kind: m.kind, mid: m.mid }, m.body) };
}

/** What the phone does with a stored message before it is shown: opens it (sealed) or not. */
async function apply(key: E2eKey, room: string, m: StoredMsg, mode: Mode): Promise<void> {
  if (mode === "plain") return;
  const opened = await openBody(() => key, { room, kind: m.kind, mid: m.mid }, m.body);
  if (!opened.ok) throw new Error(`e2e bench: ${m.mid} did not open (${opened.reason})`);
}

export async function measureE2eCost(relay: BenchRelay): Promise<Figure[]> {
  const key = await importRoomKey(new Uint8Array(RAW_KEY));
  return [await roundTrip(relay, key), await catchUp(relay, key), ...(await cpu(key)), bytes()];
}

function withOverhead(sealedValue: number, plainValue: number, extra: Record<string, unknown> = {}) {
  return {
    contender: "tether" as const,
    value: sealedValue,
    detail: {
      off: plainValue,
      overheadPercent: round(((sealedValue - plainValue) / plainValue) * 100, 1),
      ...extra,
    },
  };
}

async function roundTrip(relay: BenchRelay, key: E2eKey): Promise<Figure> {
  const room = newRoom();
  const sender = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, { pace: TETHER_PACE });
  await sender.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
  const waiting = new Map<string, { mode: Mode; done: (at: number) => void }>();
  let chain = Promise.resolve();
  const receiver = await WireClient.open(relay.wsUrl, room, relay.nextDeviceToken(), {
    onMsg: (m) => {
      const w = waiting.get(m.mid);
      if (!w) return;
      chain = chain.then(() => apply(key, room, m, w.mode)).then(() => w.done(performance.now()));
    },
  });
  await receiver.hello({ cid: cid("bench-phone"), since: null, tail: 0 });
  await receiver.untilCaughtUp();
  const samples: Record<Mode, number[]> = { plain: [], sealed: [] };
  try {
    for (let i = 0; i < SAMPLES * 2 + 100; i++) {
      const mode: Mode = i % 2 === 0 ? "plain" : "sealed";
      const plain = message("realistic");
      const arrived = new Promise<number>((done) => waiting.set(plain.mid, { mode, done }));
      const t0 = performance.now();
      const out = mode === "sealed" ? sealed(room, plain) : plain;
      await sender.send([out]);
      const at = await arrived;
      if (i >= 100) samples[mode].push(at - t0);
      await sleep(GAP_MS);
    }
  } finally {
    await receiver.close();
    await sender.close();
  }
  const [on, off] = [percentile(samples.sealed, 50), percentile(samples.plain, 50)];
  return figure(
    {
      id: "e2e-round-trip-p50",
      name: "round trip p50 of a realistic message with end-to-end encryption (detail: off)",
      unit: "ms",
      better: "lower",
      method:
        `One room on the embedded relay, a bridge-token sender and a device-token receiver (the tests' ` +
        `WireClient). ${SAMPLES} samples each way, sealed and plain alternating, after 100 warm-up; a ` +
        `sample runs from before the sender seals the body (node:crypto, as the bridge) to the receiver ` +
        `having opened it (WebCrypto, as the phone); plain skips both steps. ${CORPUS_METHOD}`,
    },
    [
      withOverhead(round(on), round(off), {
        p99: round(percentile(samples.sealed, 99)),
        p99Off: round(percentile(samples.plain, 99)),
      }),
      { contender: "ws", value: null, cannot: NOT_OURS },
      { contender: "socketio", value: null, cannot: NOT_OURS },
    ],
  );
}

async function catchUp(relay: BenchRelay, key: E2eKey): Promise<Figure> {
  const runs: Record<Mode, number[]> = { plain: [], sealed: [] };
  for (let r = 0; r < CATCH_UP_RUNS; r++)
    for (const mode of r % 2 === 0 ? (["plain", "sealed"] as const) : (["sealed", "plain"] as const)) {
      const phone = await tetherPhoneAway(relay);
      await fill(relay, phone.room, mode);
      runs[mode].push(await comeBack(relay, phone, key, mode));
    }
  return figure(
    {
      id: "e2e-catch-up-10k",
      name: "catch-up of 10,000 realistic messages with end-to-end encryption (detail: off)",
      unit: "ms",
      better: "lower",
      method:
        `As the catch-up figure, with realistic bodies: ${BACKLOG.toLocaleString("en")} messages stored ` +
        `(sealed by the sender, or plain), then the phone reconnects with since and opens every body with ` +
        `WebCrypto (each starts as it arrives; they are applied in seq order) before counting it applied. ${CATCH_UP_RUNS} runs each, alternating; medians.`,
    },
    [
      withOverhead(round(median(runs.sealed)), round(median(runs.plain)), { runsMs: runs }),
      { contender: "ws", value: null, cannot: NOT_OURS },
      { contender: "socketio", value: null, cannot: NOT_OURS },
    ],
  );
}

async function fill(relay: BenchRelay, room: string, mode: Mode): Promise<void> {
  const fillers = Math.ceil(BACKLOG / TETHER_PACE.burst);
  const per = Math.ceil(BACKLOG / fillers);
  for (let k = 0; k < fillers; k++) {
    const c = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, {
      autoAck: false,
      pace: TETHER_PACE,
    });
    await c.hello({ cid: cid(`bench-fill-${k}`), epoch: 1, since: null, tail: 0 });
    for (let sent = 0; sent < per; sent += 100) {
      const batch = Array.from({ length: Math.min(100, per - sent) }, () => message("realistic"));
      const r = await c.send(mode === "sealed" ? batch.map((m) => sealed(room, m)) : batch);
      if (r.status !== "acked" || r.refused.length > 0) throw new Error(`e2e fill failed: ${r.status}`);
    }
    await c.close();
  }
}

async function comeBack(relay: BenchRelay, phone: AwayPhone, key: E2eKey, mode: Mode): Promise<number> {
  let applied = 0;
  let chain = Promise.resolve();
  const t0 = performance.now();
  let last = 0;
  const c = await WireClient.open(relay.wsUrl, phone.room, relay.deviceToken, {
    onMsg: (m) => {
      // Opening starts at arrival (WebCrypto works off the main thread); applying stays in order.
      const opened = apply(key, phone.room, m, mode);
      chain = chain
        .then(() => opened)
        .then(() => {
          applied++;
          last = performance.now();
        });
    },
  });
  await c.hello({ cid: phone.cid, since: phone.since });
  const deadline = t0 + 300_000;
  while (applied < BACKLOG) {
    if (performance.now() > deadline) throw new Error(`e2e catch-up: ${applied} of ${BACKLOG} applied`);
    await sleep(5);
  }
  await c.close();
  return last - t0;
}

/** Microseconds per message for each client's step, over the whole corpus, against JSON alone. */
async function cpu(key: E2eKey): Promise<Figure[]> {
  const bodies = realisticBodies();
  const ctx = (i: number) => ({
    room: "s-benchbenchbenchbench",
    kind: bodies[i]!.kind,
    mid: `m_bench_${i}_0000000000`,
  });
  const time = async (f: (i: number) => unknown): Promise<number> => {
    const t0 = performance.now();
    for (let p = 0; p < CPU_PASSES; p++) for (let i = 0; i < bodies.length; i++) await f(i);
    return ((performance.now() - t0) * 1000) / (CPU_PASSES * bodies.length);
  };
  const json = await time((i) => JSON.parse(JSON.stringify(bodies[i]!.body)));
  const nodeSealed = bodies.map((b, i) => sealBodySync(RAW_KEY, 1, ctx(i), b.body));
  const bridgeSeal = await time((i) => sealBodySync(RAW_KEY, 1, ctx(i), bodies[i]!.body));
  const phoneOpen = await time((i) => openBody(() => key, ctx(i), nodeSealed[i]));
  const phoneSeal = await time((i) => sealBody(key, 1, ctx(i), bodies[i]!.body));
  const method =
    `In the benchmark process, every body of the corpus ${CPU_PASSES} times, one after the other; ` +
    `µs per message. detail.off is JSON.stringify + JSON.parse of the same body, what a client does ` +
    `with every message anyway. ${CORPUS_METHOD}`;
  const entry = (v: number, extra: Record<string, unknown>) => [
    withOverhead(round(v + json, 1), round(json, 1), { cryptoUs: round(v, 1), ...extra }),
    { contender: "ws" as const, value: null, cannot: NOT_OURS },
    { contender: "socketio" as const, value: null, cannot: NOT_OURS },
  ];
  return [
    figure(
      {
        id: "e2e-cpu-bridge",
        name: "bridge CPU per message sent: seal (node:crypto, deflate + AES-256-GCM) + JSON",
        unit: "µs",
        better: "lower",
        method,
      },
      entry(bridgeSeal, {}),
    ),
    figure(
      {
        id: "e2e-cpu-phone",
        name: "phone CPU per message received: open (WebCrypto, AES-256-GCM + inflate) + JSON",
        unit: "µs",
        better: "lower",
        method: `${method} The phone runs Node's WebCrypto here; a phone's CPU is slower by a similar factor for both.`,
      },
      entry(phoneOpen, { sealUs: round(phoneSeal, 1) }),
    ),
  ];
}

/** Bytes of a body as stored and sent, sealed vs plain, and what socket deflate makes of each. */
function bytes(): Figure {
  const bodies = realisticBodies();
  const enc = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  const plain = bodies.map((b) => enc(b.body));
  const sealedBytes = bodies.map((b, i) =>
    enc(sealBodySync(RAW_KEY, 1, { room: "s-x", kind: b.kind, mid: `m${i}` }, b.body)),
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const deflated = (v: unknown) => deflateRawSync(JSON.stringify(v)).length;
  return figure(
    {
      id: "e2e-bytes-per-message",
      name: "bytes of a realistic body as the relay stores it, with end-to-end encryption (detail: off)",
      unit: "bytes",
      better: "lower",
      method:
        `Mean UTF-8 bytes of the body's JSON over the corpus: sealed (deflated first when smaller, then ` +
        `AES-256-GCM, base64url, the envelope) vs plain. detail.deflatedOff is the plain body after raw ` +
        `deflate alone, about what permessage-deflate puts on the wire for it; ciphertext does not ` +
        `compress, so a sealed body is sent at its size. ${CORPUS_METHOD}`,
    },
    [
      withOverhead(round(mean(sealedBytes), 0), round(mean(plain), 0), {
        deflatedOff: round(mean(bodies.map((b) => deflated(b.body))), 0),
      }),
      { contender: "ws", value: null, cannot: NOT_OURS },
      { contender: "socketio", value: null, cannot: NOT_OURS },
    ],
  );
}
