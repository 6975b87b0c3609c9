import { type ErrorCode, Limits, type Role } from "../../protocol/index.ts";
import { type Bucket, fullBucket } from "../util/token-bucket.ts";

/** Per-socket state; small and plain so it fits a 2 KiB socket attachment across hibernation. */
export type PeerState = {
  cid: string | null;
  role: Role;
  tokenId: string;
  expiresAt: number | null;
  epoch: number | null;
  /** Everything ≤ baseline is acknowledged by this socket; the window is counted from here. */
  baseline: number;
  sentUpTo: number;
  caughtUp: boolean;
  since: number;
  lastSeen: number;
  bucket: Bucket;
  invalid: number;
  invalidSince: number;
  /** The page says it shows this room, visible and focused (§11.3); absent in older attachments. */
  focused?: boolean;
};

/** A socket as the core sees it. The runtime keeps one PeerSocket object per socket. */
export interface PeerSocket {
  readonly state: PeerState;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Persists `state` (the socket attachment). */
  save(): void;
  /** When the runtime last answered a `ping` for this socket without waking the room. */
  pingAt(): number | null;
}

export type PeerAuth = { tokenId: string; role: Role; expiresAt: number | null };

export function newPeerState(auth: PeerAuth, now: number): PeerState {
  return {
    cid: null,
    role: auth.role,
    tokenId: auth.tokenId,
    expiresAt: auth.expiresAt,
    epoch: null,
    baseline: 0,
    sentUpTo: 0,
    caughtUp: false,
    since: now,
    lastSeen: now,
    bucket: fullBucket(Limits.rateBurst, now),
    invalid: 0,
    invalidSince: now,
  };
}

export function errorJson(
  code: ErrorCode,
  message: string,
  extra: { mid?: string; retryAfterMs?: number } = {},
): string {
  return JSON.stringify({ t: "error", code, message, ...extra });
}

export function lastSeenOf(peer: PeerSocket): number {
  return Math.max(peer.state.lastSeen, peer.pingAt() ?? 0);
}
