import { CORPUS_METHOD, meanBodyBytes } from "./corpus.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import {
  fillSocketIo,
  fillTether,
  socketIoAway,
  socketIoComeBack,
  tetherComeBack,
  tetherPhoneAway,
} from "./support/catch-up-clients.ts";
import { messages, newRoom, type Payload } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { floorComeBack, openFloor, sendAllFloor } from "./support/floor-contender.ts";
import type { FloorServer } from "./support/floor-server.ts";
import { median, round } from "./support/stats.ts";

const BACKLOG = 10_000;
const RUNS = 5;

export const NO_HISTORY =
  "a bare ws server keeps no history: a client that reconnects gets only what is sent after it is back";

/**
 * A phone misses 10,000 messages, reconnects, and applies them all: Tether vs the durable floor
 * vs Socket.IO recovery, with random or realistic bodies.
 */
export async function measureCatchUp(
  relay: BenchRelay,
  socketIoPort: number | null,
  floor: FloorServer | null,
  payload: Payload = "random",
): Promise<Figure> {
  const runs = { tether: [] as number[], floor: [] as number[], socketio: [] as number[] };
  const all = [
    async () => runs.tether.push(await tetherCatchUp(relay, BACKLOG, payload)),
    ...(socketIoPort === null
      ? []
      : [async () => runs.socketio.push(await sioCatchUp(socketIoPort, BACKLOG, payload))]),
    ...(floor ? [async () => runs.floor.push(await floorCatchUp(floor, BACKLOG, payload))] : []),
  ];
  // Take turns, each run starting with another stack, so a slow moment does not always hit the same one.
  for (let run = 0; run < RUNS; run++)
    for (let k = 0; k < all.length; k++) await all[(run + k) % all.length]!();
  const realistic = payload === "realistic";
  const entry = (id: "tether" | "floor" | "socketio", extra = {}) => ({
    contender: id,
    value: round(median(runs[id])),
    detail: { runsMs: runs[id].map((x) => round(x)), ...extra },
  });
  return figure(
    {
      id: realistic ? "catch-up-10k-realistic" : "catch-up-10k",
      name: realistic
        ? `catch-up: reconnect after missing 10,000 realistic messages (mean ${meanBodyBytes()} B) until all are applied`
        : "catch-up: reconnect after missing 10,000 messages (1 KiB) until all are applied",
      unit: "ms",
      better: "lower",
      method:
        `A receiver is in a room and caught up, then loses its connection. ${BACKLOG.toLocaleString("en")} ` +
        `${realistic ? "realistic" : "1 KiB"} messages are sent to the room and stored (Tether: in the room's SQLite log, acked; the floor: one SQLite row each, acked; Socket.IO: ` +
        `in its adapter's in-memory packet list). The clock starts just before the receiver opens its new ` +
        `socket and stops when it has applied the last missed message (Tether: hello with since = its ` +
        `cursor, acking every page, each frame checked with zod; the floor: {since} and the DO sends every later row in frames of 100, no flow control; Socket.IO: reconnect with its session id ` +
        `and offset, the server replays the missed packets). ${RUNS} runs each, alternating; value = median. ` +
        `Socket.IO only replays within maxDisconnectionDuration (2 minutes by default) and only while the ` +
        `same server process still holds the packets in memory: see the recovery figures.${realistic ? ` ${CORPUS_METHOD}` : ""}`,
    },
    [
      entry("tether"),
      ...(floor ? [entry("floor")] : []),
      ...(socketIoPort === null
        ? []
        : [
            { contender: "ws" as const, value: null, cannot: NO_HISTORY },
            entry("socketio", { window: "120 s (maxDisconnectionDuration default)" }),
          ]),
    ],
  );
}

/** One Tether catch-up of `backlog` messages, in ms. */
export async function tetherCatchUp(relay: BenchRelay, backlog: number, payload: Payload): Promise<number> {
  const phone = await tetherPhoneAway(relay);
  await fillTether(relay, phone.room, backlog, payload);
  const back = await tetherComeBack(relay, phone, backlog, 300_000);
  if (back.ms === null) throw new Error(`tether caught up ${back.received} of ${backlog}`);
  return back.ms;
}

/** One floor catch-up of `backlog` messages (replayed from its SQLite), in ms. */
export async function floorCatchUp(floor: FloorServer, backlog: number, payload: Payload): Promise<number> {
  const room = newRoom();
  const sender = await openFloor(floor, room);
  for (let i = 0; i < backlog; i += 10_000)
    await sendAllFloor(sender, messages(Math.min(10_000, backlog - i), payload));
  await sender.close();
  return floorComeBack(floor, room, 0, backlog);
}

async function sioCatchUp(port: number, backlog: number, payload: Payload): Promise<number> {
  const away = await socketIoAway(port);
  await fillSocketIo(away, backlog, payload);
  const back = await socketIoComeBack(away, backlog);
  if (back.ms === null) throw new Error(`socket.io recovered=${back.recovered}, got ${back.received}`);
  return back.ms;
}
