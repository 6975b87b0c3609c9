import type { Socket } from "socket.io-client";
import { Limits } from "../../shared/protocol/index.ts";
import { WireClient } from "../../tests/support/wire-client.ts";
import type { BenchRelay } from "./bench-relay.ts";
import { cid, message, messages, newRoom, openSocketIo, type Payload, TETHER_PACE } from "./contenders.ts";
import { sleep, waitFor } from "./stats.ts";

const FILLERS = 20;

/**
 * A Tether phone that has gone away from a room: its cid and cursor, so it can come back with
 * `since`, as the web app does after a drop.
 */
export type AwayPhone = { room: string; cid: string; since: number };

/** Opens a room (bridge hello), puts a phone in it, caught up, then drops the phone. */
export async function tetherPhoneAway(relay: BenchRelay): Promise<AwayPhone> {
  const room = newRoom();
  const bridge = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, { pace: TETHER_PACE });
  await bridge.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
  const phone = { room, cid: cid("bench-phone"), since: 0 };
  const c = await WireClient.open(relay.wsUrl, room, relay.deviceToken);
  await c.hello({ cid: phone.cid, since: null, tail: 0 });
  await c.untilCaughtUp();
  phone.since = c.last;
  await c.close();
  await bridge.close();
  return phone;
}

/** Stores `n` 1 KiB messages in `room` through bridge sockets that each stay within their burst. */
export async function fillTether(
  relay: BenchRelay,
  room: string,
  n: number,
  payload: Payload = "random",
): Promise<void> {
  // Each filler stays within its socket's burst allowance, so a bigger backlog takes more of them;
  // at most `socketsPerToken` are open at once, the relay's cap per token in a room.
  const fillers = Math.max(FILLERS, Math.ceil(n / TETHER_PACE.burst));
  const per = Math.ceil(n / fillers);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < fillers; k = next++)
      await fillOne(relay, room, k, Math.min(per, n - k * per), payload);
  };
  await Promise.all(Array.from({ length: Limits.socketsPerToken }, worker));
}

async function fillOne(
  relay: BenchRelay,
  room: string,
  k: number,
  mine: number,
  payload: Payload,
): Promise<void> {
  if (mine <= 0) return;
  // autoAck off: the relay stops pushing the broadcast to a filler once its window is full.
  const c = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, {
    autoAck: false,
    pace: TETHER_PACE,
  });
  await c.hello({ cid: cid(`bench-fill-${k}`), epoch: 1, since: null, tail: 0 });
  for (let sent = 0; sent < mine; sent += 100) {
    const r = await c.send(messages(Math.min(100, mine - sent), payload));
    if (r.status !== "acked" || r.refused.length > 0) throw new Error(`fill failed: ${JSON.stringify(r)}`);
  }
  await c.close();
}

export type Comeback = {
  received: number;
  ms: number | null;
  recovered: boolean;
  awayMs?: number;
  /** Why the connection ended before the last message, when it did. */
  why?: string;
};

/**
 * The phone reconnects with `since` and applies what it missed. `ms` runs from just before the
 * socket opens until the `expected`-th message was applied (null if it never was within `ms`).
 */
export async function tetherComeBack(
  relay: BenchRelay,
  phone: AwayPhone,
  expected: number,
  ms = 60_000,
  /** Another way to the relay (the slow-link proxy). */
  wsUrl = relay.wsUrl,
): Promise<Comeback> {
  let received = 0;
  let lastAt = 0;
  const t0 = performance.now();
  const c = await WireClient.open(wsUrl, phone.room, relay.deviceToken, {
    onMsg: (_m, at) => {
      received++;
      lastAt = at;
    },
  });
  await c.hello({ cid: phone.cid, since: phone.since });
  await waitFor(
    () => received >= expected,
    ms,
    () => `tether phone applied ${received} of ${expected}`,
  ).catch(() => undefined);
  await c.close();
  const trouble = [...c.violations, ...(c.gaps > 0 ? [`${c.gaps} gaps`] : [])];
  if (trouble.length > 0) throw new Error(`tether protocol trouble: ${trouble.join("; ")}`);
  return { received, ms: received >= expected ? lastAt - t0 : null, recovered: received >= expected };
}

/** A Socket.IO receiver that lost its connection (a network drop, not a `disconnect()`) and a sender. */
export type SioAway = { sender: Socket; receiver: Socket; tally: { received: number; lastAt: number } };

/** `receiverPort`: another way to the server for the receiver (the slow-link proxy). */
export async function socketIoAway(port: number, receiverPort = port): Promise<SioAway> {
  const room = newRoom();
  const sender = await openSocketIo(port, room);
  const receiver = await openSocketIo(receiverPort, room);
  const tally = { received: 0, lastAt: 0 };
  receiver.on("m", () => {
    tally.received++;
    tally.lastAt = performance.now();
  });
  // Recovery needs an offset: the receiver must have had one broadcast before it drops.
  sender.emit("m", message());
  await waitFor(
    () => tally.received === 1,
    10_000,
    () => "socket.io warm-up message",
  );
  receiver.io.engine.close(); // the server sees "transport close", a reason it keeps the session for
  for (;;) {
    if ((await sender.emitWithAck("sockets")) === 1) break;
    await sleep(5);
  }
  tally.received = 0;
  return { sender, receiver, tally };
}

/** Broadcasts `n` messages and resolves once the server has handled (and stored) every one. */
export async function fillSocketIo(away: SioAway, n: number, payload: Payload = "random"): Promise<void> {
  for (let i = 0; i < n; i++) away.sender.emit("m", message(payload));
  await away.sender.emitWithAck("sockets");
}

/**
 * The receiver reconnects and Socket.IO replays what it kept. After `expected` messages, or when
 * the connection did not recover, it waits `settleMs` more to see whether anything else arrives.
 */
export async function socketIoComeBack(
  away: SioAway,
  expected: number,
  settleMs = 3_000,
  ms = 60_000,
): Promise<Comeback> {
  const t0 = performance.now();
  let why: string | undefined;
  // Over a slow link the server's CONNECT and pings queue behind the replay, so the client may
  // drop the connection ("ping timeout") before it ever sees "connect": that ends the wait too.
  const ended = new Promise<void>((resolve) => {
    away.receiver.once("disconnect", (reason) => {
      why = `${reason} after ${Math.round(performance.now() - t0)} ms`;
      resolve();
    });
    away.receiver.once("connect_error", (err) => {
      why = `connect_error: ${err.message.slice(0, 100)}`;
      resolve();
    });
  });
  const connected = new Promise<boolean>((resolve) => {
    away.receiver.once("connect", () => resolve(true));
    void ended.then(() => resolve(false));
  });
  away.receiver.connect();
  const t = away.tally;
  const done = waitFor(
    () => t.received >= expected,
    ms,
    () => `socket.io got ${t.received} of ${expected}`,
  ).catch(() => undefined);
  const recovered = (await Promise.race([connected, done.then(() => false)])) && away.receiver.recovered;
  if (recovered) await Promise.race([done, ended]);
  else if (why === undefined) await sleep(settleMs);
  const { received, lastAt } = away.tally;
  away.sender.disconnect();
  away.receiver.disconnect();
  return { received, ms: received >= expected ? lastAt - t0 : null, recovered, ...(why ? { why } : {}) };
}
