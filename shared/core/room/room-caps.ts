import { Close, Limits } from "../../protocol/index.ts";
import { errorJson, lastSeenOf, type PeerSocket } from "./peer-socket.ts";
import type { RoomEnv } from "./room-env.ts";

/**
 * What one token may hold in a room (docs/protocol.md §6.1): open sockets and bound cids. A refusal
 * is `error{too_many}` and close `4008`; nothing else changes.
 */

/**
 * A new socket of a token that already holds `socketsPerToken` open sockets here: the one of them
 * silent longest gives its place when it has been silent for `socketIdleMs` (a half-open socket
 * of a phone that lost its network, or a hidden tab), else the new socket is refused.
 */
export function admitSocket(env: RoomEnv, peer: PeerSocket): boolean {
  const cap = env.config.socketsPerToken ?? Limits.socketsPerToken;
  const held = [...env.peers()].filter((p) => p !== peer && p.state.tokenId === peer.state.tokenId);
  if (held.length < cap) return true;
  const silent = held.sort((a, b) => lastSeenOf(a) - lastSeenOf(b))[0];
  if (silent && env.now() - lastSeenOf(silent) > Limits.socketIdleMs) {
    silent.close(Close.goingAway, "silent");
    return true;
  }
  return refuse(peer, `a token may hold ${cap} sockets in a room`, "too many sockets");
}

/**
 * A `hello` with a cid the room has not bound yet. A non-bridge token holds at most `cidsPerToken`
 * cids; the least recently seen one that is idle (no open socket, not seen for `cidIdleMs`) gives
 * its place, else the hello is refused. Bridge cids are never forgotten: compaction needs them.
 */
export function admitCid(env: RoomEnv, peer: PeerSocket): boolean {
  const { tokenId, role } = peer.state;
  if (role === "bridge") return true;
  const cap = env.config.cidsPerToken ?? Limits.cidsPerToken;
  const held = env.store.cidsOf(tokenId);
  if (held.length < cap) return true;
  const open = openCids(env);
  const idleBefore = env.now() - Limits.cidIdleMs;
  const idle = held.find((c) => c.lastSeen < idleBefore && !open.has(c.cid));
  if (idle === undefined) {
    return refuse(peer, `a token may hold ${cap} cids in a room`, "too many cids");
  }
  env.store.forgetCid(idle.cid);
  return true;
}

/** The alarm's share: forgets stale non-bridge cids beyond `cursorsKept`. */
export function expireCids(env: RoomEnv): number {
  const before = env.now() - Limits.cursorIdleMs;
  return env.store.expireCids(before, Limits.cursorsKept, [...openCids(env)]);
}

function openCids(env: RoomEnv): Set<string> {
  const cids = new Set<string>();
  for (const p of env.peers()) if (p.state.cid !== null) cids.add(p.state.cid);
  return cids;
}

function refuse(peer: PeerSocket, message: string, reason: string): false {
  peer.send(errorJson("too_many", message));
  peer.close(Close.policy, reason);
  return false;
}
