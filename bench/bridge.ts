// Bridge figures (issue 3): CPU and wire bytes per streamed event, RSS with 10 live and 50
// registered sessions, and user.message → turn.started latency. Real relay (wrangler dev), real
// bridge and Claude CLI; the model is the scripted server. Run: npm run bench:bridge
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, release } from "node:os";
import WebSocket from "ws";
import { TurnStarted } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone } from "../tests/support/bridge-world.ts";
import { CountProxy } from "./support/count-proxy.ts";

const TICK_MS = 10; // /proc CPU times are in clock ticks of 10 ms (USER_HZ = 100)

const w = await BridgeWorld.start();
// The shipped launcher and bundle, as `npx tether` runs it; TETHER_BENCH_BRIDGE=source runs the
// TypeScript source instead, for a before/after comparison (PERF-BRIDGE.md).
w.bin = process.env.TETHER_BENCH_BRIDGE === "source" ? "source" : "bundle";
const proxy = new CountProxy(w.relay.port);
await proxy.start();
try {
  // --max-sessions: the default cap (20 not ended) would refuse the 50 sessions measured below.
  w.startBridge(
    ["--max-live", "10", "--max-sessions", "60", "--idle-sleep", "1h"],
    `http://127.0.0.1:${proxy.port}`,
  );
  const machine = await w.machinePhone();
  const s = await w.createSession(machine, { title: "bench" });
  await turn(s, "warm up");
  const streamed = await streamedAnswer(s);
  const latency = await startLatency(s, 30);
  const memory = await rss(machine);
  const out = {
    bench: "bridge",
    at: new Date().toISOString(),
    machine: machineInfo(),
    results: [...streamed, latency, ...memory],
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/bridge.json", `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await w.bridge?.kill("SIGTERM");
  await proxy.stop();
  await w.stop();
}

/** A scripted 2,000-token answer: bridge CPU and bytes it sent to the relay, per event. */
async function streamedAnswer(s: Phone) {
  const signals = await listen(s.client.welcome!.room);
  const pid = w.bridge!.child.pid!;
  const [cpu0, up0, stored0] = [cpuMs(pid), proxy.up, s.msgs.length];
  await turn(s, "[[slow chunks=2000 ms=1]]");
  const [cpu1, up1] = [cpuMs(pid), proxy.up];
  signals.ws.close();
  const stored = s.msgs.length - stored0 - 1; // minus the user.message
  const deltas = signals.count;
  const events = stored + deltas;
  return [
    {
      name: "streamed answer: events",
      unit: "count",
      value: { tokens: 2000, deltaSignals: deltas, storedMessages: stored },
    },
    {
      name: "bridge CPU per streamed token (one SDK stream event each)",
      unit: "µs",
      value: Math.round(((cpu1 - cpu0) * 1000) / 2000),
      note: `total ${cpu1 - cpu0} ms, ${TICK_MS} ms resolution`,
    },
    {
      name: "bridge CPU per relayed event (agent.delta or stored message)",
      unit: "µs",
      value: Math.round(((cpu1 - cpu0) * 1000) / events),
    },
    {
      name: "bridge→relay bytes per streamed token",
      unit: "bytes",
      value: round((up1 - up0) / 2000),
      note: "on the wire after permessage-deflate; the scripted text compresses better than prose",
    },
    {
      name: "bytes per agent.delta signal as relayed",
      unit: "bytes",
      value: round(signals.bytes / Math.max(1, deltas)),
    },
    {
      name: "bridge→relay bytes per event (deltas + stored, incl. acks/pings)",
      unit: "bytes",
      value: round((up1 - up0) / events),
    },
  ];
}

/** Relay timestamps of each user.message and its turn.started, over sequential turns. */
async function startLatency(s: Phone, n: number) {
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    const mid = await s.send("user.message", { text: `ping ${i}` });
    await s.wait("turn.result", (t) => t.inputMid === mid);
    const asked = s.msgs.find((m) => m.mid === mid)!.ts;
    const started = s
      .of("turn.started")
      .find((m) => TurnStarted.safeParse(m.body).data?.inputMid === mid)!.ts;
    gaps.push(started - asked);
  }
  gaps.sort((a, b) => a - b);
  const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
  return {
    name: "user.message stored → turn.started stored",
    unit: "ms",
    value: { p50: q(0.5), p90: q(0.9), max: gaps.at(-1) },
    samples: n,
  };
}

/** 50 registered sessions, 10 of them with a live Claude process. */
async function rss(machine: Phone) {
  const phones: Phone[] = [];
  for (let i = 0; i < 49; i++) phones.push(await w.createSession(machine, { title: `rss-${i}` }));
  for (const p of phones.slice(0, 9)) await turn(p, "hello");
  const pid = w.bridge!.child.pid!;
  const group = groupRssKb(pid);
  return [
    { name: "bridge RSS, 10 live + 50 registered sessions", unit: "MiB", value: round(rssKb(pid) / 1024) },
    {
      name: "bridge + its Claude processes RSS",
      unit: "MiB",
      value: round(group.total / 1024),
      processes: group.count,
    },
  ];
}

async function turn(s: Phone, text: string): Promise<void> {
  const mid = await s.send("user.message", { text });
  const r = await s.wait("turn.result", (t) => t.inputMid === mid, 120_000);
  if (!r.ok) throw new Error(`turn failed: ${JSON.stringify(r)}`);
}

/** A raw socket in the room that counts `agent.delta` signals and their bytes. */
async function listen(room: string): Promise<{ ws: WebSocket; count: number; bytes: number }> {
  const ws = new WebSocket(`${w.relay.wsUrl}/v1/rooms/${room}`, ["tether.v1", `bearer.${w.deviceToken}`]);
  const tally = { ws, count: 0, bytes: 0 };
  ws.on("message", (data) => {
    const text = data.toString();
    if (text.startsWith('{"t":"signal"') && text.includes('"agent.delta"')) {
      tally.count++;
      tally.bytes += Buffer.byteLength(text);
    }
  });
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send(JSON.stringify({ t: "hello", v: 2, cid: `bench${Date.now()}`, tail: 0 }));
  await new Promise((resolve) => ws.once("message", resolve));
  return tally;
}

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

function groupRssKb(pgid: number): { total: number; count: number } {
  let total = 0;
  let count = 0;
  for (const entry of listPids()) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      if (Number(stat[2]) !== pgid) continue;
      total += rssKb(entry);
      count++;
    } catch {
      // the process exited while we looked: it holds no memory any more
    }
  }
  return { total, count };
}

function listPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function machineInfo() {
  return {
    os: `${platform()} ${release()}`,
    cpu: `${cpus()[0]?.model} × ${cpus().length}`,
    node: process.version,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
