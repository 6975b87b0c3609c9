import type WebSocket from "ws";
import type { OutMsg } from "../../shared/protocol/index.ts";
import { type Contender, closeWs, newRoom, type OnMsg, openWs } from "./contenders.ts";
import type { FloorServer } from "./floor-server.ts";
import { waitFor } from "./stats.ts";

/** One socket to a floor room: every stored message it gets, every ack, and the replay's end. */
export type FloorSocket = {
  ws: WebSocket;
  acks: number;
  /** The highest seq it has seen (its cursor). */
  last: number;
  caughtUp: boolean;
  close(): Promise<void>;
};

/** The durable floor as a contender: one SQLite row per message, then ack + broadcast. */
export function floor(server: FloorServer): Contender {
  return {
    id: "floor",
    label: "Durable Object floor (SQLite row, then broadcast)",
    async sender(room) {
      const s = await openFloor(server, room);
      return {
        async sendOne(msg) {
          const at = performance.now();
          s.ws.send(JSON.stringify(msg));
          return at;
        },
        sendAll: (msgs) => sendAllFloor(s, msgs),
        close: s.close,
      };
    },
    async receiver(room, onMsg) {
      const s = await openFloor(server, room, onMsg);
      return { close: s.close };
    },
    extensions: async () => {
      const s = await openFloor(server, newRoom());
      const negotiated = s.ws.extensions;
      await s.close();
      return negotiated;
    },
  };
}

export async function openFloor(server: FloorServer, room: string, onMsg?: OnMsg): Promise<FloorSocket> {
  const ws = await openWs(`${server.wsUrl}/room/${room}`);
  const s: FloorSocket = { ws, acks: 0, last: 0, caughtUp: false, close: () => closeWs(ws) };
  ws.on("message", (data) => {
    const at = performance.now();
    const frame = JSON.parse(data.toString()) as
      | { seq: number; m: OutMsg }[]
      | { ack: number }
      | { caughtUp: true };
    if (Array.isArray(frame)) {
      for (const item of frame) {
        s.last = item.seq;
        onMsg?.(item.m.mid, at);
      }
    } else if ("ack" in frame) s.acks += frame.ack;
    else s.caughtUp = true;
  });
  return s;
}

/** Sends every message in frames of 100 (as Tether's bridge), resolves once all are acked (stored). */
export async function sendAllFloor(s: FloorSocket, msgs: readonly OutMsg[]): Promise<void> {
  const target = s.acks + msgs.length;
  for (let i = 0; i < msgs.length; i += 100) s.ws.send(JSON.stringify(msgs.slice(i, i + 100)));
  await waitFor(
    () => s.acks >= target,
    300_000,
    () => `floor acked ${s.acks} of ${target}`,
  );
}

/**
 * A floor receiver comes back after missing messages: it opens a socket, asks for every row after
 * `since`, and the clock stops when the `expected`-th missed message arrived.
 */
export async function floorComeBack(
  server: FloorServer,
  room: string,
  since: number,
  expected: number,
): Promise<number> {
  let received = 0;
  let lastAt = 0;
  const t0 = performance.now();
  const s = await openFloor(server, room, (_mid, at) => {
    received++;
    lastAt = at;
  });
  s.ws.send(JSON.stringify({ since }));
  await waitFor(
    () => received >= expected,
    300_000,
    () => `floor replayed ${received} of ${expected}`,
  );
  await s.close();
  return lastAt - t0;
}
