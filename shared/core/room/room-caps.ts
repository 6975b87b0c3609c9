import { Close, Limits } from "../../protocol/index.ts";
import { errorJson, type PeerSocket } from "./peer-socket.ts";
import type { RoomEnv } from "./room-env.ts";

/**
 * What one token may hold in a room (docs/protocol.md §6.1): open sockets and bound cids. A refusal
 * is `error{too_many}` and close `4008`; nothing else changes.
 */

/** A new socket: refused when its token already holds `socketsPerToken` open sockets here. */
export function admitSocket(env: RoomEnv, peer: PeerSocket): boolean {
  let held = 0;
  for (const other of env.peers()) if (other !== peer && other.state.tokenId === peer.state.tokenId) held++;
  if (held < Limits.socketsPerToken) return true;
  return refuse(peer, `a token may hold ${Limits.socketsPerToken} sockets in a room`, "too many sockets");
}

/**
 * A `hello` with a cid the room has not bound yet. A non-bridge token holds at most `cidsPerToken`
 * cids; the least recently seen one that is idle (no open socket, not seen for `cidIdleMs`) gives
 * its place, else the hello is refused. Bridge cids are never forgotten: compaction needs them.
 */
export function admitCid(env: RoomEnv, peer: PeerSocket): boolean {
  const { tokenId, role } = peer.state;
  if (role === "bridge") return true;
  const held = env.store.cidsOf(tokenId);
  if (held.length < Limits.cidsPerToken) return true;
  const open = openCids(env);
  const idleBefore = env.now() - Limits.cidIdleMs;
  const idle = held.find((c) => c.lastSeen < idleBefore && !open.has(c.cid));
  if (idle === undefined) {
    return refuse(peer, `a token may hold ${Limits.cidsPerToken} cids in a room`, "too many cids");
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
