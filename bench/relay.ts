// Relay benchmarks against `wrangler dev` on loopback. Run: ./node_modules/.bin/node bench/relay.ts
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { OutMsg } from "../shared/protocol/index.ts";
import { mintToken, type RelayProcess, startRelay } from "../tests/support/relay-process.ts";
import { WireClient } from "../tests/support/wire-client.ts";
import { body1k, doLogIndexes, measureRowsWritten, ROWS_METHOD } from "./relay-rows.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WARMUP = 200;
const SAMPLES = 2_000;
const BACKLOG = 10_000;
const REPLAY_RUNS = 5;
const FILLERS = 20;
const MACHINE = "benchmark01";

type Tokens = { bridge: string; device: string };

const relay = await startRelay();
const stopOnSignal = () => void relay.dispose().finally(() => process.exit(130));
process.once("SIGINT", stopOnSignal);
process.once("SIGTERM", stopOnSignal);
try {
  const tokens = {
    bridge: (await mintToken(relay, "bridge", MACHINE)).token,
    device: (await mintToken(relay, "device", MACHINE)).token,
  };
  const roundTrip = await measureRoundTrip(relay, tokens);
  const replay = await measureReplay(relay, tokens);
  await relay.stop();
  const rows = measureRowsWritten([1, 25, 100]);
  const onDisk = doLogIndexes(relay.persistDir);
  const report = {
    bench: "relay",
    at: new Date().toISOString(),
    machine: machine(),
    setup:
      "wrangler dev (local workerd, SQLite on disk) on 127.0.0.1; Node `ws` clients; frames checked with zod",
    results: [
      roundTrip,
      replay,
      {
        name: "storage rows written per message",
        unit: "rows/message",
        method: ROWS_METHOD,
        values: rows.figures,
        samples: rows.figures.length,
        perAckFrame: rows.perAckFrame,
        perHello: rows.perHello,
        perDuplicateResend: rows.perDuplicateResend,
        logIndexesMeasured: rows.logIndexes,
        logIndexesInRoomDoFiles: onDisk,
        schemaMatchesDo:
          onDisk.length > 0 && onDisk.every((i) => JSON.stringify(i) === JSON.stringify(rows.logIndexes)),
      },
    ],
  };
  const text = JSON.stringify(report, null, 2);
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "relay.json"), `${text}\n`);
  console.log(text);
} catch (err) {
  console.error(err, `\n--- wrangler output (tail) ---\n${relay.output().slice(-4000)}`);
  process.exitCode = 1;
} finally {
  await relay.dispose();
}

/** (a) Sequential 1 KiB messages: the bridge's send until the controller's receipt of that `msgs` frame. */
async function measureRoundTrip(relay: RelayProcess, tokens: Tokens) {
  const room = newRoom();
  const arrivals = new Map<string, (at: number) => void>();
  const bridge = await WireClient.open(relay.wsUrl, room, tokens.bridge);
  await bridge.hello({ cid: "bench-rtt-bridge", epoch: 1, since: null, tail: 0 });
  const phone = await WireClient.open(relay.wsUrl, room, tokens.device, {
    onMsg: (m, at) => arrivals.get(m.mid)?.(at),
  });
  await phone.hello({ cid: "bench-rtt-phone", since: null, tail: 0 });
  await phone.untilCaughtUp();
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const msg = message();
    const arrived = new Promise<number>((resolve) => arrivals.set(msg.mid, resolve));
    const sent = await bridge.send([msg]);
    const at = await arrived;
    arrivals.delete(msg.mid);
    if (sent.status !== "acked" || sent.refused.length > 0)
      throw new Error(`send failed: ${JSON.stringify(sent)}`);
    if (i >= WARMUP) samples.push(at - sent.sentAt);
  }
  await Promise.all([bridge.close(), phone.close()]);
  checkClean(bridge, phone);
  return {
    name: "round trip of a 1 KiB message, bridge send → relay → controller receipt",
    unit: "ms",
    values: percentiles(samples),
    samples: samples.length,
    warmup: WARMUP,
    note:
      "sequential; one message per send frame; sends paced at 180/s after a burst of 900 to stay under " +
      "the relay's 200/s per-socket limit (pacing happens before the clock starts)",
  };
}

/** (b) A controller replays a 10,000-message backlog from seq 0, acking every page, until caught_up. */
async function measureReplay(relay: RelayProcess, tokens: Tokens) {
  const room = newRoom();
  await fill(relay, room, tokens.bridge);
  const rates: number[] = [];
  const firstPageMs: number[] = [];
  for (let run = 0; run < REPLAY_RUNS; run++) {
    let count = 0;
    let first = 0;
    const reader = await WireClient.open(relay.wsUrl, room, tokens.device, {
      onMsg: (_m, at) => {
        if (count++ === 0) first = at;
      },
    });
    const t0 = performance.now();
    await reader.hello({ cid: `bench-replay-${run}`, since: 0 });
    const head = await reader.untilCaughtUp();
    const elapsed = performance.now() - t0;
    await reader.close();
    checkClean(reader);
    if (count !== BACKLOG || head !== BACKLOG) throw new Error(`replayed ${count} of ${head}`);
    rates.push(Math.round((BACKLOG * 1000) / elapsed));
    firstPageMs.push(round(first - t0));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    name: "replay of a 10,000-message backlog (1 KiB bodies), since 0 → caught_up, acking every page",
    unit: "messages/s",
    value: sorted[Math.floor(sorted.length / 2)],
    values: rates,
    samples: rates.length,
    firstPageMs,
    note: "value is the median of the runs; each run is a fresh controller socket and cid",
  };
}

/** Writes the backlog through several bridge sockets at once, each within its own rate bucket. */
async function fill(relay: RelayProcess, room: string, token: string): Promise<void> {
  const per = BACKLOG / FILLERS;
  await Promise.all(
    Array.from({ length: FILLERS }, async (_, k) => {
      // autoAck off: the relay stops pushing the broadcast to a filler once its window is full.
      const c = await WireClient.open(relay.wsUrl, room, token, { autoAck: false });
      await c.hello({ cid: `bench-fill-${k}`, epoch: 1, since: null, tail: 0 });
      for (let sent = 0; sent < per; sent += 100) {
        const r = await c.send(Array.from({ length: Math.min(100, per - sent) }, message));
        if (r.status !== "acked" || r.refused.length > 0)
          throw new Error(`fill failed: ${JSON.stringify(r)}`);
      }
      await c.close();
    }),
  );
}

function message(): OutMsg {
  return { mid: randomBytes(16).toString("base64url"), kind: "agent.message", body: body1k() };
}

function newRoom(): string {
  return `s-${randomBytes(16).toString("base64url")}`;
}

function checkClean(...clients: WireClient[]): void {
  for (const c of clients) {
    const trouble = [...c.violations, ...(c.gaps > 0 ? [`${c.gaps} gaps`] : [])];
    if (trouble.length > 0) throw new Error(`protocol trouble: ${trouble.join("; ")}`);
  }
}

/** Nearest-rank percentiles. */
function percentiles(samples: readonly number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN);
  return { p50: at(50), p90: at(90), p99: at(99), max: round(s[s.length - 1] ?? Number.NaN) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function machine() {
  const cpu = cpus();
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
      .version;
  return {
    os: `${platform()} ${release()} ${arch()}`,
    cpu: `${cpu[0]?.model ?? "unknown"} × ${cpu.length}`,
    memoryGiB: round(totalmem() / 2 ** 30),
    node: process.version,
    wrangler: version("wrangler"),
    ws: version("ws"),
  };
}
