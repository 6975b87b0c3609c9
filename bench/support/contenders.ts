import { randomBytes } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import type { OutMsg } from "../../shared/protocol/index.ts";
import { WireClient } from "../../tests/support/wire-client.ts";
import { realisticBodies } from "../corpus.ts";
import { body1k } from "../relay-rows.ts";
import type { BenchRelay } from "./bench-relay.ts";

export type ContenderId = "tether" | "floor" | "ws" | "socketio";
/** Random 1 KiB bodies (base64, incompressible) or the corpus of bench/corpus.ts. */
export type Payload = "random" | "realistic";
export type OnMsg = (mid: string, receivedAt: number) => void;

/** The sending end of a room: the bridge for Tether, one more client for the others. */
export type Sender = {
  /** Sends one message; resolves with `performance.now()` taken just before it went to the socket. */
  sendOne(msg: OutMsg): Promise<number>;
  /** Sends every message as fast as the stack accepts them (Tether: within its rate limit, acked). */
  sendAll(msgs: readonly OutMsg[]): Promise<void>;
  close(): Promise<void>;
};

/** One room on one server, seen the same way for every stack. */
export type Contender = {
  id: ContenderId;
  label: string;
  sender(room: string): Promise<Sender>;
  /** A client in `room` that calls `onMsg` for every message, from the moment it resolves. */
  receiver(room: string, onMsg: OnMsg): Promise<{ close(): Promise<void> }>;
  /** The WebSocket extensions this server negotiates with a `ws` client ("" = none, no compression). */
  extensions(): Promise<string>;
};

/**
 * The Tether sender paces itself at 95 % of the relay's per-socket token bucket (200 messages/s,
 * burst 1,000; docs/protocol.md §6.1), so it is never refused and never waits on a burst below 950.
 */
export const TETHER_PACE = { perSecond: 190, burst: 950 } as const;

export function tether(relay: BenchRelay): Contender {
  return {
    id: "tether",
    label: "Tether relay (embedded workerd)",
    async sender(room) {
      const c = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, { pace: TETHER_PACE });
      await c.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
      return {
        async sendOne(msg) {
          return acked(await c.send([msg])).sentAt;
        },
        async sendAll(msgs) {
          const frames = [];
          for (let i = 0; i < msgs.length; i += 100) frames.push(c.send(msgs.slice(i, i + 100)));
          for (const r of await Promise.all(frames)) acked(r);
        },
        close: () => c.close().then(() => undefined),
      };
    },
    async receiver(room, onMsg) {
      const c = await WireClient.open(relay.wsUrl, room, relay.nextDeviceToken(), {
        onMsg: (m, at) => onMsg(m.mid, at),
      });
      await c.hello({ cid: cid("bench-phone"), since: null, tail: 0 });
      await c.untilCaughtUp();
      return { close: () => c.close().then(() => undefined) };
    },
    extensions: () =>
      extensionsOf(`${relay.wsUrl}/v1/rooms/${newRoom()}`, ["tether.v1", `bearer.${relay.deviceToken}`]),
  };
}

export function bareWs(port: number): Contender {
  const url = (room: string) => `ws://127.0.0.1:${port}/${room}`;
  return {
    id: "ws",
    label: "bare ws broadcast server (Node)",
    async sender(room) {
      const ws = await openWs(url(room));
      return {
        async sendOne(msg) {
          const at = performance.now();
          ws.send(JSON.stringify(msg));
          return at;
        },
        async sendAll(msgs) {
          for (const m of msgs) ws.send(JSON.stringify(m));
        },
        close: () => closeWs(ws),
      };
    },
    async receiver(room, onMsg) {
      const ws = await openWs(url(room));
      ws.on("message", (data) => {
        const at = performance.now();
        onMsg((JSON.parse(data.toString()) as OutMsg).mid, at);
      });
      return { close: () => closeWs(ws) };
    },
    extensions: () => extensionsOf(url(newRoom())),
  };
}

export function socketIo(port: number): Contender {
  return {
    id: "socketio",
    label: "Socket.IO 4.8 with connection-state recovery",
    async sender(room) {
      const s = await openSocketIo(port, room);
      return {
        async sendOne(msg) {
          const at = performance.now();
          s.emit("m", msg);
          return at;
        },
        async sendAll(msgs) {
          for (const m of msgs) s.emit("m", m);
        },
        close: async () => void s.disconnect(),
      };
    },
    async receiver(room, onMsg) {
      const s = await openSocketIo(port, room);
      s.on("m", (msg: OutMsg) => onMsg(msg.mid, performance.now()));
      return { close: async () => void s.disconnect() };
    },
    extensions: () => extensionsOf(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`),
  };
}

/** A Socket.IO client over WebSocket only, with its own connection (no multiplexing), connected. */
export async function openSocketIo(port: number, room: string): Promise<Socket> {
  const s = io(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: { room },
  });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", reject);
  });
  return s;
}

let nextBody = 0;

export function message(payload: Payload = "random"): OutMsg {
  const mid = randomBytes(16).toString("base64url");
  if (payload === "random") return { mid, kind: "agent.message", body: body1k() };
  const all = realisticBodies();
  return { mid, ...all[nextBody++ % all.length]! };
}

export function messages(n: number, payload: Payload): OutMsg[] {
  return Array.from({ length: n }, () => message(payload));
}

export function newRoom(): string {
  return `s-${randomBytes(16).toString("base64url")}`;
}

export function cid(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("base64url")}`;
}

function acked<T extends Awaited<ReturnType<WireClient["send"]>>>(r: T): Extract<T, { status: "acked" }> {
  if (r.status !== "acked" || r.refused.length > 0)
    throw new Error(`tether send failed: ${JSON.stringify(r)}`);
  return r as Extract<T, { status: "acked" }>;
}

export function openWs(url: string, protocols: string[] = []): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

async function extensionsOf(url: string, protocols: string[] = []): Promise<string> {
  const ws = await openWs(url, protocols);
  const negotiated = ws.extensions;
  await closeWs(ws);
  return negotiated;
}

export function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once("close", () => resolve());
    ws.close();
  });
}
