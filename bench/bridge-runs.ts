import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { newRoom, openSocketIo, openWs } from "./support/contenders.ts";
import { CountProxy } from "./support/count-proxy.ts";
import { type Figure, figure } from "./support/figure.ts";
import { ROOT, ServerProcess } from "./support/server-process.ts";
import { median, round, waitFor } from "./support/stats.ts";

const BRIDGE_JSON = join(ROOT, "bench", "results", "bridge.json");
const TOKENS = 2_000;

type BridgeResult = { name: string; unit: string; value: unknown; processes?: number };
export type BridgeRun = { at: string; results: BridgeResult[] };

/**
 * Runs bench/bridge.ts as it is (the real bridge and Claude CLI against a scripted model, the relay
 * under wrangler dev) `runs` times, each in its own process group, and returns each run's JSON.
 */
export async function runBridgeBench(runs: number): Promise<BridgeRun[]> {
  const out: BridgeRun[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const p = ServerProcess.spawn("bench/bridge.ts");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(resolve, 15 * 60_000, "timeout");
    });
    const code = await Promise.race([p.exited, timeout]);
    clearTimeout(timer);
    await p.stop();
    if (code !== 0) throw new Error(`bench/bridge.ts ended with ${code}:\n${p.output.slice(-4000)}`);
    // The file must be this run's, not one left from an earlier run.
    if (statSync(BRIDGE_JSON).mtimeMs < started) throw new Error("bench/bridge.ts did not write bridge.json");
    out.push(JSON.parse(readFileSync(BRIDGE_JSON, "utf8")) as BridgeRun);
  }
  return out;
}

export function bridgeValue(run: BridgeRun, name: string): number {
  const r = run.results.find((x) => x.name === name);
  if (typeof r?.value !== "number") throw new Error(`bridge.json has no number for "${name}"`);
  return r.value;
}

/** Bytes the sender puts on the wire per token when every token is its own frame (ws) or event (Socket.IO). */
export async function perTokenBaselines(
  wsPort: number,
  sioPort: number,
): Promise<{ ws: number; socketio: number }> {
  const tokens = Array.from({ length: TOKENS }, (_, i) => `w${i} `); // the scripted model's text
  return { ws: await wsBaseline(wsPort, tokens), socketio: await sioBaseline(sioPort, tokens) };
}

async function wsBaseline(port: number, tokens: string[]): Promise<number> {
  const proxy = new CountProxy(port);
  await proxy.start();
  const room = newRoom();
  const sender = await openWs(`ws://127.0.0.1:${proxy.port}/${room}`);
  const receiver = await openWs(`ws://127.0.0.1:${port}/${room}`);
  let got = 0;
  receiver.on("message", () => got++);
  try {
    const up0 = proxy.up;
    for (const text of tokens) sender.send(JSON.stringify({ text }));
    await waitFor(
      () => got === tokens.length,
      30_000,
      () => `ws baseline got ${got}`,
    );
    return (proxy.up - up0) / tokens.length;
  } finally {
    sender.terminate();
    receiver.terminate();
    await proxy.stop();
  }
}

async function sioBaseline(port: number, tokens: string[]): Promise<number> {
  const proxy = new CountProxy(port);
  await proxy.start();
  const room = newRoom();
  const sender = await openSocketIo(proxy.port, room);
  const receiver = await openSocketIo(port, room);
  let got = 0;
  receiver.on("m", () => got++);
  try {
    const up0 = proxy.up;
    for (const text of tokens) sender.emit("m", { text });
    await waitFor(
      () => got === tokens.length,
      30_000,
      () => `socket.io baseline got ${got}`,
    );
    return (proxy.up - up0) / tokens.length;
  } finally {
    sender.disconnect();
    receiver.disconnect();
    await proxy.stop();
  }
}

export const BYTES_PER_TOKEN = "bridge→relay bytes per streamed token";
export const RSS = "bridge RSS, 10 live + 50 registered sessions";
export const RSS_ALL = "bridge + its Claude processes RSS";

/** Bytes per token: Tether from bench/bridge.ts's runs, the others as one frame/event per token. */
export function wireFigure(
  runs: readonly BridgeRun[],
  base: { ws: number; socketio: number } | Error,
): Figure {
  const tether = runs.map((r) => bridgeValue(r, BYTES_PER_TOKEN));
  const baseline = (contender: "ws" | "socketio", framing: string) =>
    base instanceof Error
      ? { contender, value: null, error: base.message.split("\n")[0]! }
      : { contender, value: round(base[contender], 2), detail: { framing } };
  return figure(
    {
      id: "wire-bytes-per-token",
      name: `bytes on the wire per streamed token, scripted ${TOKENS.toLocaleString("en")}-token answer, sender → server`,
      unit: "bytes/token",
      better: "lower",
      method:
        `Tether: bench/bridge.ts's method, run as is: the real bridge and Claude CLI stream a scripted ` +
        `${TOKENS.toLocaleString("en")}-token answer ("w0 w1 …") from the scripted model; a counting TCP proxy ` +
        `between bridge and relay (wrangler dev) counts every byte the bridge sends during the turn ` +
        `(coalesced agent.delta signals, the stored messages, acks and pings, after permessage-deflate), ` +
        `÷ ${TOKENS.toLocaleString("en")}. Median of ${tether.length} runs. ws and Socket.IO: the same tokens sent ` +
        `the way a plain relay would forward an SDK stream, one frame (ws) or event (Socket.IO) of ` +
        `{"text":"w17 "} per token, through the same counting proxy; no compression (their defaults). ` +
        `The scripted text compresses better than prose.`,
    },
    [
      { contender: "tether", value: round(median(tether), 2), detail: { runs: tether } },
      baseline("ws", "one text frame per token"),
      baseline("socketio", "one event per token"),
    ],
  );
}

/** Bridge RSS from bench/bridge.ts (only Tether has a bridge). */
export function rssFigure(runs: readonly BridgeRun[]): Figure {
  const rss = runs.map((r) => bridgeValue(r, RSS));
  const all = runs.map((r) => bridgeValue(r, RSS_ALL));
  const none = "no counterpart: the bridge is Tether's own program on the workstation";
  return figure(
    {
      id: "bridge-rss",
      name: "bridge RSS with 10 live and 50 registered sessions",
      unit: "MiB",
      better: "lower",
      method:
        `bench/bridge.ts as is: the bridge (--max-live 10) creates 50 sessions through the machine room, ` +
        `10 of them run a turn (a live Claude CLI each); then VmRSS of the bridge process from /proc. ` +
        `The Claude processes are reported beside it, not in the value. Median of ${rss.length} runs.`,
    },
    [
      {
        contender: "tether",
        value: round(median(rss), 1),
        detail: { runs: rss, withClaudeProcessesMiB: round(median(all), 1) },
      },
      { contender: "ws", value: null, cannot: none },
      { contender: "socketio", value: null, cannot: none },
    ],
  );
}
