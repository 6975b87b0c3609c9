import { Limits } from "../../protocol/index.ts";
import { take } from "../util/token-bucket.ts";
import { errorJson, type PeerSocket } from "./peer-socket.ts";
import type { RoomStore } from "./room-store.ts";

export type RoomConfig = { room: string; maxMessages: number; maxBytes: number };

/** What the core needs from its runtime: storage, the open sockets, a clock and an alarm. */
export type RoomEnv = {
  store: RoomStore;
  config: RoomConfig;
  peers(): Iterable<PeerSocket>;
  now(): number;
  requestAlarm(at: number): void;
};

/** Takes `n` from the socket's rate bucket, or answers rate_limited and drops the frame whole. */
export function spend(env: RoomEnv, peer: PeerSocket, n: number): boolean {
  const r = take(peer.state.bucket, n, env.now(), Limits.ratePerSecond, Limits.rateBurst);
  peer.state.bucket = r.bucket;
  if (r.ok) return true;
  peer.send(errorJson("rate_limited", "slow down", { retryAfterMs: r.retryAfterMs }));
  return false;
}

export function overCap(env: RoomEnv): boolean {
  const meta = env.store.meta();
  return meta.count > env.config.maxMessages || meta.bytes > env.config.maxBytes;
}
