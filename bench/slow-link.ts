import { CORPUS_METHOD, meanBodyBytes } from "./corpus.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import {
  type Comeback,
  fillSocketIo,
  fillTether,
  socketIoAway,
  socketIoComeBack,
  tetherComeBack,
  tetherPhoneAway,
} from "./support/catch-up-clients.ts";
import { type Figure, figure } from "./support/figure.ts";
import { type LinkShape, SlowLinkProxy } from "./support/slow-link-proxy.ts";
import { round } from "./support/stats.ts";

const BACKLOG = 10_000;
const LINK: LinkShape = { latencyMs: 100, bitsPerSecond: 1_000_000 };
/** Per stack: 10 MB of plain text at 1 Mbit/s takes about 80 s. */
const WAIT_MS = 300_000;

const METHOD =
  `The receiver's socket goes through a proxy on loopback (bench/support/slow-link-proxy.ts) that ` +
  `shapes each direction as a link of ${LINK.bitsPerSecond / 1e6} Mbit/s with ${LINK.latencyMs} ms of ` +
  `one-way latency: every byte waits for the bytes before it, then the latency. The senders reach ` +
  `the server directly. A caught-up receiver drops, ${BACKLOG.toLocaleString("en")} realistic messages ` +
  `are sent and stored, and the receiver reconnects through the slow link: Tether's phone says hello ` +
  `with since and acks every page (each ack crosses the link too); Socket.IO's reconnects with its ` +
  `session id and offset. One run each. Wire bytes are everything the proxy carried both ways from ` +
  `the reconnect to the last message (WebSocket frames as sent, after permessage-deflate where the ` +
  `stack negotiates it; Socket.IO's server leaves it off by default). A stack whose connection ends ` +
  `before the last message gets no time, and its detail says how it ended. ${CORPUS_METHOD}`;

/** Catch-up of 10,000 realistic messages over a slow, far link: time and bytes on the wire. */
export async function measureSlowLink(relay: BenchRelay, socketIoPort: number): Promise<Figure[]> {
  const tether = await overSlowLink(relay.relay.port, async (proxy) => {
    const phone = await tetherPhoneAway(relay);
    await progress("tether: storing the backlog", () => fillTether(relay, phone.room, BACKLOG, "realistic"));
    proxy.resetCounts();
    return progress("tether: catching up over the slow link", () =>
      tetherComeBack(relay, phone, BACKLOG, WAIT_MS, `ws://127.0.0.1:${proxy.port}`),
    );
  });
  const sio = await overSlowLink(socketIoPort, async (proxy) => {
    const away = await socketIoAway(socketIoPort, proxy.port);
    await progress("socket.io: storing the backlog", () => fillSocketIo(away, BACKLOG, "realistic"));
    proxy.resetCounts();
    return progress("socket.io: catching up over the slow link", () =>
      socketIoComeBack(away, BACKLOG, 3_000, WAIT_MS),
    );
  });
  const what = `${BACKLOG.toLocaleString("en")} realistic messages (mean ${meanBodyBytes()} B)`;
  const link = `${LINK.bitsPerSecond / 1e6} Mbit/s, ${LINK.latencyMs} ms`;
  return [
    figure(
      {
        id: "slow-link-catch-up-10k",
        name: `catch-up of ${what} over a ${link} link`,
        unit: "ms",
        better: "lower",
        method: METHOD,
      },
      [tether, sio].map((r, i) => ({
        contender: i === 0 ? "tether" : "socketio",
        value: r.back.ms === null ? null : round(r.back.ms, 0),
        detail: {
          received: r.back.received,
          recovered: r.back.recovered,
          ...(r.back.why ? { ended: r.back.why } : {}),
        },
      })),
    ),
    figure(
      {
        id: "slow-link-wire-bytes",
        name: `bytes on the wire for the catch-up of ${what}`,
        unit: "bytes",
        better: "lower",
        method: METHOD,
      },
      [tether, sio].map((r, i) => ({
        contender: i === 0 ? "tether" : "socketio",
        value: r.down + r.up,
        detail: { down: r.down, up: r.up, bytesPerMessage: round((r.down + r.up) / BACKLOG, 1) },
      })),
    ),
  ];
}

async function overSlowLink(
  port: number,
  run: (proxy: SlowLinkProxy) => Promise<Comeback>,
): Promise<{ back: Comeback; up: number; down: number }> {
  const proxy = new SlowLinkProxy(LINK);
  await proxy.start(port);
  try {
    const back = await run(proxy);
    return { back, up: proxy.up, down: proxy.down };
  } finally {
    await proxy.stop();
  }
}

/** A long step with a line on stderr before and after it, so a slow run shows where it is. */
async function progress<T>(what: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  process.stderr.write(`  slow-link: ${what}\n`);
  const result = await run();
  process.stderr.write(`  slow-link: ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return result;
}
