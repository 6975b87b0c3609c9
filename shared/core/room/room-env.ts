import { Close, Limits, type PushHint } from "../../protocol/index.ts";
import { take } from "../util/token-bucket.ts";
import { errorJson, type PeerSocket } from "./peer-socket.ts";
import type { RoomStore } from "./room-store.ts";

export type RoomConfig = {
  room: string;
  maxMessages: number;
  maxBytes: number;
  /** The caps per token (Limits.socketsPerToken, Limits.cidsPerToken when absent). */
  socketsPerToken?: number;
  cidsPerToken?: number;
};

/**
 * What a room instance keeps in memory only. Losing it on eviction costs at most one coalesced
 * presence, which the next join, leave or alarm sends anyway.
 */
export type RoomMemo = { presenceAt: number; presenceQueued: boolean };

export function newRoomMemo(): RoomMemo {
  return { presenceAt: Number.NEGATIVE_INFINITY, presenceQueued: false };
}

/** What the core needs from its runtime: storage, the open sockets, a clock, an alarm and a timer. */
export type RoomEnv = {
  store: RoomStore;
  config: RoomConfig;
  /** The sockets that are open (a socket being closed is not among them). */
  peers(): Iterable<PeerSocket>;
  now(): number;
  requestAlarm(at: number): void;
  memo: RoomMemo;
  /** Runs `fn` once, `ms` from now, in this room instance. */
  later(ms: number, fn: () => void): void;
  /** Where push hints go once their messages are stored (§11); a runtime without pushes leaves it out. */
  pushes?: PushPort;
};

/** A stored message's push hint, for the runtime's push sender. */
export type StoredPush = { seq: number; ts: number; hint: PushHint };

export type PushPort = {
  /** Called after the commit and the acks, in the same turn: the runtime records them durably. */
  stored(items: StoredPush[]): void;
};

/**
 * Takes `n` from the socket's rate bucket, or answers rate_limited and drops the frame whole. A
 * refused frame is a strike like an invalid one: a socket that ignores `retryAfterMs` is closed.
 */
export function spend(env: RoomEnv, peer: PeerSocket, n: number): boolean {
  const r = take(peer.state.bucket, n, env.now(), Limits.ratePerSecond, Limits.rateBurst);
  peer.state.bucket = r.bucket;
  if (r.ok) return true;
  peer.send(errorJson("rate_limited", "slow down", { retryAfterMs: r.retryAfterMs }));
  strike(env, peer, "too many refused frames");
  return false;
}

/** Counts an invalid or refused frame; past 20 in the socket's minute it is closed with 4008 `reason`. */
export function strike(env: RoomEnv, peer: PeerSocket, reason: string): void {
  const now = env.now();
  if (now - peer.state.invalidSince > 60_000) Object.assign(peer.state, { invalid: 0, invalidSince: now });
  peer.state.invalid += 1;
  if (peer.state.invalid > Limits.invalidFramesPerMinute) peer.close(Close.policy, reason);
}

/** Settles a frame whose cost is known only afterwards: gives back or takes more (the bucket may go below 0). */
export function settle(env: RoomEnv, peer: PeerSocket, paid: number, cost: number): void {
  const r = take(peer.state.bucket, 0, env.now(), Limits.ratePerSecond, Limits.rateBurst);
  const tokens = Math.min(Limits.rateBurst, r.bucket.tokens + paid - cost);
  peer.state.bucket = { tokens, at: r.bucket.at };
}

/** One token per item plus one per started-over KiB of `bytes`, never more than a full bucket. */
export function costOf(items: number, bytes: number): number {
  return Math.min(Limits.rateBurst, items + Math.floor(bytes / Limits.rateBytesPerToken));
}

export function overCap(env: RoomEnv): boolean {
  const meta = env.store.meta();
  return meta.count > env.config.maxMessages || meta.bytes > env.config.maxBytes;
}
