import { NO_HISTORY } from "./catch-up.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import {
  type AwayPhone,
  type Comeback,
  fillSocketIo,
  fillTether,
  type SioAway,
  socketIoAway,
  socketIoComeBack,
  tetherComeBack,
  tetherPhoneAway,
} from "./support/catch-up-clients.ts";
import { type Figure, figure } from "./support/figure.ts";
import { ServerProcess } from "./support/server-process.ts";
import { round, sleep } from "./support/stats.ts";

const MISSED = 1_000;
const SIO_SERVER = "bench/support/socketio-room-server.ts";
/** Socket.IO's default maxDisconnectionDuration is 120 s; the receivers stay away a little longer. */
export const AWAY_MS = 125_000;

/**
 * Starts the long disconnection now (so the wait overlaps the other benchmarks) and measures the
 * comeback in `finish`: a phone offline for 125 s, 1,000 messages sent meanwhile.
 */
export async function startWindowProbe(relay: BenchRelay) {
  const server = await ServerProcess.start(SIO_SERVER);
  const tetherSince = performance.now();
  const phone = await tetherPhoneAway(relay);
  await fillTether(relay, phone.room, MISSED);
  const away = await socketIoAway(server.port);
  const since = performance.now(); // the later of the two drops: both are away at least AWAY_MS
  await fillSocketIo(away, MISSED);
  return {
    async finish(): Promise<Figure> {
      try {
        const left = since + AWAY_MS - performance.now();
        if (left > 0) await sleep(left);
        const awayMs = performance.now() - since;
        const [t, s] = await comeBackBoth(relay, phone, away);
        t.awayMs = performance.now() - tetherSince;
        s.awayMs = awayMs;
        return recoveredFigure(
          "catch-up-after-window",
          `missed messages a client gets back after ${Math.round(awayMs / 1000)} s offline (${MISSED.toLocaleString("en")} sent meanwhile)`,
          `Same as the catch-up figure, with ${MISSED.toLocaleString("en")} missed messages, but the receiver ` +
            `stays away for ${Math.round(awayMs / 1000)} s, just past Socket.IO's default maxDisconnectionDuration ` +
            `(120 s). Counted: messages the receiver gets within 60 s of reconnecting (Socket.IO: within 3 s of ` +
            `its connect event when the connection was not recovered). Tether keeps a room's log up to its ` +
            `size caps (100,000 messages / 200 MB by default), not for a time window.`,
          t,
          s,
          `session dropped after maxDisconnectionDuration (120 s by default): the client reconnects as a new ` +
            `socket (recovered=false) and the missed messages are never delivered`,
        );
      } finally {
        await server.stop();
      }
    },
  };
}

/** Tether's relay and the Socket.IO server restart while a receiver is away with 1,000 messages missed. */
export async function measureRestart(relay: BenchRelay): Promise<Figure> {
  let server = await ServerProcess.start(SIO_SERVER);
  try {
    const phone = await tetherPhoneAway(relay);
    await fillTether(relay, phone.room, MISSED);
    const away = await socketIoAway(server.port);
    await fillSocketIo(away, MISSED);
    const port = server.port;
    await server.stop();
    server = await ServerProcess.start(SIO_SERVER, [String(port)]);
    await relay.restart();
    const [t, s] = await comeBackBoth(relay, phone, away);
    return recoveredFigure(
      "catch-up-across-restart",
      `missed messages a client gets back after the server restarted (${MISSED.toLocaleString("en")} sent while it was away)`,
      `A receiver drops; ${MISSED.toLocaleString("en")} messages are sent and stored; the server process is ` +
        `stopped and started again on the same port (Tether: the embedded relay's workerd is disposed and ` +
        `started on the same state directory; Socket.IO: the Node process gets SIGTERM and a new one starts); ` +
        `then the receiver reconnects. Counted as in the previous figure. Socket.IO's default in-memory ` +
        `adapter loses its packets with the process (its Redis Streams or MongoDB adapters would keep them ` +
        `elsewhere; not measured here).`,
      t,
      s,
      "the in-memory adapter's sessions and packets died with the server process: the client reconnects as a new socket and the missed messages are never delivered",
    );
  } finally {
    await server.stop();
  }
}

async function comeBackBoth(
  relay: BenchRelay,
  phone: AwayPhone,
  away: SioAway,
): Promise<[Comeback, Comeback]> {
  const t = await tetherComeBack(relay, phone, MISSED);
  const s = await socketIoComeBack(away, MISSED);
  return [t, s];
}

function recoveredFigure(
  id: string,
  name: string,
  method: string,
  t: Comeback,
  s: Comeback,
  sioWhy: string,
): Figure {
  const detail = (c: Comeback) => ({
    ...(c.awayMs === undefined ? {} : { awayS: round(c.awayMs / 1000, 1) }),
    recovered: c.recovered,
    catchUpMs: c.ms === null ? null : round(c.ms),
    of: MISSED,
  });
  return figure({ id, name, unit: "messages", better: "higher", method }, [
    { contender: "tether", value: t.received, detail: detail(t) },
    { contender: "ws", value: null, cannot: NO_HISTORY },
    {
      contender: "socketio",
      value: s.received,
      detail: { ...detail(s), ...(s.recovered ? {} : { why: sioWhy }) },
    },
  ]);
}
