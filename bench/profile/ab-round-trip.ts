/**
 * A/B round trip on one machine at one time: the relay of this tree and the relay of BASE_TREE
 * (another worktree), each embedded in workerd, with the client offering permessage-deflate or not.
 * Variants take turns sample by sample, so a shared VM's load falls on all of them alike.
 * Run: BASE_TREE=/path/to/other/worktree node bench/profile/ab-round-trip.ts
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import WebSocket from "ws";
import { BenchRelay } from "../support/bench-relay.ts";

type Relay = { wsUrl: string; bridgeToken: string; deviceToken: string; stop(): Promise<void> };
type Pair = { name: string; send(mid: string): void; arrivals: Map<string, () => void> };

const SAMPLES = Number(process.env.SAMPLES ?? 400);
const BODY = { text: "x".repeat(1000) };
const base = process.env.BASE_TREE;
const relays: [string, Relay][] = [["this tree", await BenchRelay.start()]];
if (base) {
  const mod = (await import(`${base}/bench/support/bench-relay.ts`)) as { BenchRelay: typeof BenchRelay };
  relays.push(["base", await mod.BenchRelay.start()]);
}
const pairs: Pair[] = [];
for (const [tree, relay] of relays) {
  for (const deflate of [true, false]) pairs.push(await pair(`${tree}, deflate ${deflate}`, relay, deflate));
}
const loadBefore = loadavg()[0];
const samples = new Map<string, number[]>(pairs.map((p) => [p.name, []]));
for (let i = 0; i < SAMPLES + 50; i++) {
  for (const p of pairs) {
    const mid = randomBytes(12).toString("base64url");
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      p.arrivals.set(mid, resolve);
      p.send(mid);
    });
    if (i >= 50) samples.get(p.name)?.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 6));
  }
}
const out = [...samples].map(([name, xs]) => ({ name, p50: pct(xs, 0.5), p90: pct(xs, 0.9), n: xs.length }));
console.log(JSON.stringify({ cpus: cpus().length, load: [loadBefore, loadavg()[0]], results: out }, null, 1));
for (const [, r] of relays) await r.stop();
process.exit(0);

async function pair(name: string, relay: Relay, deflate: boolean): Promise<Pair> {
  const room = `s-${randomBytes(16).toString("base64url")}`;
  const bridge = await open(relay.wsUrl, room, relay.bridgeToken, deflate);
  await hello(bridge, { t: "hello", v: 2, cid: `br-${randomBytes(6).toString("hex")}`, epoch: 1, tail: 0 });
  const phone = await open(relay.wsUrl, room, relay.deviceToken, deflate);
  await hello(phone, { t: "hello", v: 2, cid: `ph-${randomBytes(6).toString("hex")}`, tail: 0 });
  const arrivals = new Map<string, () => void>();
  phone.on("message", (data) => {
    const f = JSON.parse(String(data)) as { t: string; items?: { seq: number; mid: string }[] };
    if (f.t !== "msgs" || !f.items) return;
    for (const item of f.items) arrivals.get(item.mid)?.();
    phone.send(JSON.stringify({ t: "ack", upTo: f.items.at(-1)?.seq }));
  });
  const send = (mid: string) =>
    bridge.send(JSON.stringify({ t: "send", msgs: [{ mid, kind: "agent.message", body: BODY }] }));
  return { name, send, arrivals };
}

async function open(wsUrl: string, room: string, token: string, deflate: boolean): Promise<WebSocket> {
  const ws = new WebSocket(`${wsUrl}/v1/rooms/${room}`, ["tether.v1", `bearer.${token}`], {
    perMessageDeflate: deflate,
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return ws;
}

async function hello(ws: WebSocket, frame: object): Promise<void> {
  const caught = new Promise<void>((resolve) => {
    const on = (data: WebSocket.RawData) => {
      if (JSON.parse(String(data)).t !== "caught_up") return;
      ws.off("message", on);
      resolve();
    };
    ws.on("message", on);
  });
  ws.send(JSON.stringify(frame));
  await caught;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(q * (s.length - 1))] ?? 0) * 1000) / 1000;
}
