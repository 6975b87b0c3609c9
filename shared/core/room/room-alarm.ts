import { Close, Limits } from "../../protocol/index.ts";
import { lastSeenOf, type PeerSocket } from "./peer-socket.ts";
import { broadcastPresence, sendPresence } from "./replay.ts";
import { expireCids } from "./room-caps.ts";
import { overCap, type RoomEnv } from "./room-env.ts";

/**
 * The room's coarse alarm: closes silent sockets and sockets whose token expired, compacts past
 * the caps (never beyond what the bridge acknowledged), forgets old compacted mids. Returns when
 * it needs to run again, or null when it has no more work (so an idle room can hibernate).
 */
export function onAlarm(env: RoomEnv): number | null {
  const now = env.now();
  let open = 0;
  let closed = 0;
  for (const peer of env.peers()) {
    const why = closeReason(peer, now);
    if (why) {
      peer.close(why.code, why.reason);
      closed++;
    } else open++;
  }
  if (closed > 0) sendPresence(env);
  if (overCap(env)) {
    const upTo = env.store.bridgeAcked();
    const { maxMessages, maxBytes } = env.config;
    env.store.transaction(() =>
      env.store.compact(upTo, maxMessages, maxBytes, now + Limits.compactedMidTtlMs),
    );
  }
  expireCids(env);
  const nextPurge = env.store.purgeMids(now);
  const next = [open > 0 ? now + Limits.livenessEveryMs : null, nextPurge].filter((t) => t !== null);
  return next.length > 0 ? Math.min(...next) : null;
}

function closeReason(peer: PeerSocket, now: number): { code: number; reason: string } | null {
  const { expiresAt } = peer.state;
  if (expiresAt !== null && now >= expiresAt) return { code: Close.unauthorized, reason: "token expired" };
  if (now - lastSeenOf(peer) > Limits.silentCloseMs) return { code: Close.goingAway, reason: "silent" };
  return null;
}

/** A socket left: the others see the new presence. */
export function onLeave(env: RoomEnv): void {
  broadcastPresence(env);
}

/** Revocation: closes every socket of a token; returns how many. */
export function closeToken(env: RoomEnv, tokenId: string, code: number, reason: string): number {
  let n = 0;
  for (const peer of env.peers()) {
    if (peer.state.tokenId !== tokenId) continue;
    peer.close(code, reason);
    n++;
  }
  if (n > 0) sendPresence(env);
  return n;
}
