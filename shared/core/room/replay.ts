import { Limits } from "../../protocol/index.ts";
import { msgsPages } from "./pages.ts";
import { lastSeenOf, type PeerSocket } from "./peer-socket.ts";
import type { RoomEnv } from "./room-env.ts";
import type { LogRow } from "./room-store.ts";

/**
 * Sends a socket what it is owed, read from storage, within the flow-control window
 * (≤ 2,000 messages beyond its ack baseline). Sends `caught_up` and presence once it reaches head.
 */
export function pump(env: RoomEnv, peer: PeerSocket): void {
  const s = peer.state;
  for (;;) {
    const { head } = env.store.meta();
    if (s.sentUpTo >= head) {
      if (!s.caughtUp) {
        s.caughtUp = true;
        peer.send(JSON.stringify({ t: "caught_up", head }));
        peer.send(presenceJson(env));
      }
      return;
    }
    const limit = Math.min(head, s.baseline + Limits.window);
    if (s.sentUpTo >= limit) return;
    const rows = env.store.read(s.sentUpTo + 1, limit, Limits.pageItems);
    // Rows below `low` were compacted; the receiver sees the gap and reconnects to get `gone`.
    if (rows.length === 0) s.sentUpTo = limit;
    for (const page of msgsPages(rows)) peer.send(page);
    if (rows.length > 0) s.sentUpTo = rows[rows.length - 1]!.seq;
  }
}

/** The `msgs` pages of one broadcast, serialised once on first use and shared by every receiver. */
export function sharedPages(rows: readonly LogRow[]): () => string[] {
  let pages: string[] | null = null;
  return () => {
    pages ??= msgsPages(rows);
    return pages;
  };
}

/** Live delivery of freshly stored rows to a caught-up socket, from memory when it is in step. */
export function deliver(
  env: RoomEnv,
  peer: PeerSocket,
  rows: readonly LogRow[],
  pages: () => string[] = sharedPages(rows),
): void {
  const s = peer.state;
  const first = rows[0];
  if (!first) return;
  if (s.sentUpTo !== first.seq - 1) pump(env, peer);
  else {
    const slice = rows.slice(0, Math.max(0, s.baseline + Limits.window - s.sentUpTo));
    for (const page of slice.length === rows.length ? pages() : msgsPages(slice)) peer.send(page);
    if (slice.length > 0) s.sentUpTo = slice[slice.length - 1]!.seq;
  }
  peer.save();
}

export function presenceJson(env: RoomEnv): string {
  const peers = [];
  for (const p of env.peers()) {
    if (p.state.cid === null) continue;
    peers.push({ cid: p.state.cid, role: p.state.role, since: p.state.since, lastSeen: lastSeenOf(p) });
  }
  return JSON.stringify({ t: "presence", peers });
}

/**
 * On every join or leave: a full presence to every socket that has said hello, at most once per
 * `presenceEveryMs` per room. A change within the interval is sent at its end, with the state then.
 */
export function broadcastPresence(env: RoomEnv): void {
  const memo = env.memo;
  if (memo.presenceQueued) return;
  const wait = memo.presenceAt + Limits.presenceEveryMs - env.now();
  if (wait <= 0) return sendPresence(env);
  memo.presenceQueued = true;
  env.later(wait, () => {
    if (memo.presenceQueued) sendPresence(env);
  });
}

/** A full presence now, superseding a queued one: after the alarm or a revocation closed sockets. */
export function sendPresence(env: RoomEnv): void {
  env.memo.presenceQueued = false;
  env.memo.presenceAt = env.now();
  const text = presenceJson(env);
  for (const p of env.peers()) if (p.state.cid !== null) p.send(text);
}
