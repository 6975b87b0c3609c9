import type { BenchRelay } from "./support/bench-relay.ts";
import {
  fillSocketIo,
  fillTether,
  socketIoAway,
  socketIoComeBack,
  tetherComeBack,
  tetherPhoneAway,
} from "./support/catch-up-clients.ts";
import { type Figure, figure } from "./support/figure.ts";
import { median, round } from "./support/stats.ts";

const BACKLOG = 10_000;
const RUNS = 5;

export const NO_HISTORY =
  "a bare ws server keeps no history: a client that reconnects gets only what is sent after it is back";

/** A phone misses 10,000 messages, reconnects, and applies them all: Tether vs Socket.IO recovery. */
export async function measureCatchUp(relay: BenchRelay, socketIoPort: number): Promise<Figure> {
  const tether: number[] = [];
  const sio: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Alternate which goes first, so a slow moment on the machine does not always hit the same one.
    const order = run % 2 === 0 ? [tetherRun, sioRun] : [sioRun, tetherRun];
    for (const f of order) await f();
  }
  return figure(
    {
      id: "catch-up-10k",
      name: "catch-up: reconnect after missing 10,000 messages (1 KiB) until all are applied",
      unit: "ms",
      better: "lower",
      method:
        `A receiver is in a room and caught up, then loses its connection. ${BACKLOG.toLocaleString("en")} ` +
        `1 KiB messages are sent to the room and stored (Tether: in the room's SQLite log, acked; Socket.IO: ` +
        `in its adapter's in-memory packet list). The clock starts just before the receiver opens its new ` +
        `socket and stops when it has applied the last missed message (Tether: hello with since = its ` +
        `cursor, acking every page, each frame checked with zod; Socket.IO: reconnect with its session id ` +
        `and offset, the server replays the missed packets). ${RUNS} runs each, alternating; value = median. ` +
        `Socket.IO only replays within maxDisconnectionDuration (2 minutes by default) and only while the ` +
        `same server process still holds the packets in memory: see the next two figures.`,
    },
    [
      { contender: "tether", value: round(median(tether)), detail: { runsMs: tether.map((x) => round(x)) } },
      { contender: "ws", value: null, cannot: NO_HISTORY },
      {
        contender: "socketio",
        value: round(median(sio)),
        detail: { runsMs: sio.map((x) => round(x)), window: "120 s (maxDisconnectionDuration default)" },
      },
    ],
  );

  async function tetherRun(): Promise<void> {
    const phone = await tetherPhoneAway(relay);
    await fillTether(relay, phone.room, BACKLOG);
    const back = await tetherComeBack(relay, phone, BACKLOG);
    if (back.ms === null) throw new Error(`tether caught up ${back.received} of ${BACKLOG}`);
    tether.push(back.ms);
  }

  async function sioRun(): Promise<void> {
    const away = await socketIoAway(socketIoPort);
    await fillSocketIo(away, BACKLOG);
    const back = await socketIoComeBack(away, BACKLOG);
    if (back.ms === null) throw new Error(`socket.io recovered=${back.recovered}, got ${back.received}`);
    sio.push(back.ms);
  }
}
