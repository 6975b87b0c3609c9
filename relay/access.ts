import type { CreateTokenReq, HttpErrorCode } from "../shared/protocol/index.ts";
import { Close, machineRoomOf } from "../shared/protocol/index.ts";
import { OWNED_SESSION_ROOMS, type RoomRow, type TokenRow } from "./directory-store.ts";

/** The Directory's access rules (docs/protocol.md §2–§3) as pure functions of rows. */

export type Failure = { ok: false; code: HttpErrorCode; message: string; retryAfterSeconds?: number };
export type Outcome<T> = { ok: true; value: T } | Failure;

/** Who is calling /api/*: the relay secret, or a live token. */
export type Principal = { kind: "secret" } | { kind: "token"; token: TokenRow };

/** What authorizeRoom does: refuse with a close code, or admit (claiming the room first if asked). */
export type RoomVerdict =
  | { ok: false; close: typeof Close.unauthorized | typeof Close.forbidden | typeof Close.notFound }
  | { ok: true; claim: boolean };

export function failure(code: HttpErrorCode, message: string): Failure {
  return { ok: false, code, message };
}

export const allowed: Outcome<null> = { ok: true, value: null };

export function isLive(token: TokenRow, now: number): boolean {
  return token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);
}

export function roomAccess(token: TokenRow, room: string, row: RoomRow | null): RoomVerdict {
  if (token.kind === "share" && !token.rooms.includes(room)) return { ok: false, close: Close.forbidden };
  if (room.startsWith("m-") && room !== machineRoomOf(token.machineId)) {
    return { ok: false, close: Close.forbidden };
  }
  // Only a bridge brings a room into existence; others wait until their bridge has opened it.
  if (row === null)
    return token.kind === "bridge" ? { ok: true, claim: true } : { ok: false, close: Close.notFound };
  if (row.state === "deleted") return { ok: false, close: Close.notFound };
  if (row.machineId !== token.machineId) return { ok: false, close: Close.forbidden };
  return { ok: true, claim: false };
}

export function mayCreateToken(p: Principal, req: CreateTokenReq): Outcome<null> {
  if (p.kind === "secret") return allowed;
  if (p.token.kind !== "bridge")
    return failure("forbidden", "only a bridge token or the relay secret may mint tokens");
  if (req.kind !== "device") return failure("forbidden", "a bridge token may mint only device tokens");
  if (req.machineId !== p.token.machineId)
    return failure("forbidden", "a bridge token may mint only for its machine");
  return allowed;
}

/** The machine whose tokens the caller may list; null = every machine. */
export function listScope(p: Principal): Outcome<string | null> {
  if (p.kind === "secret") return { ok: true, value: null };
  if (p.token.kind !== "bridge")
    return failure("forbidden", "only a bridge token or the relay secret may list tokens");
  return { ok: true, value: p.token.machineId };
}

export function mayRevoke(p: Principal, target: TokenRow): Outcome<null> {
  if (p.kind === "secret") return allowed;
  const own = p.token;
  if (own.kind !== "bridge")
    return failure("forbidden", "only a bridge token or the relay secret may revoke tokens");
  if (target.machineId !== own.machineId) return failure("forbidden", "token belongs to another machine");
  if (target.kind === "bridge" && target.id !== own.id) {
    return failure("forbidden", "a bridge token may not revoke another bridge token");
  }
  return allowed;
}

/** Shares: a bridge or device token of the room's owner, or the relay secret. */
export function mayShare(p: Principal, row: RoomRow): Outcome<null> {
  if (p.kind === "secret") return allowed;
  if (p.token.kind === "share") return failure("forbidden", "a share token may not create shares");
  if (p.token.machineId !== row.machineId) return failure("forbidden", "room belongs to another machine");
  return allowed;
}

export function mayDeleteRoom(p: Principal, row: RoomRow): Outcome<null> {
  if (p.kind === "secret") return allowed;
  if (p.token.kind !== "bridge") return failure("forbidden", "only a bridge token may delete rooms");
  if (p.token.machineId !== row.machineId) return failure("forbidden", "room belongs to another machine");
  return allowed;
}

export function creatorOf(p: Principal): string | null {
  return p.kind === "token" ? p.token.id : null;
}

/** A share ends no later than the token that makes it (a 60 s device cannot mint a 30-day link). */
export function shareExpiry(p: Principal, asked: number): number {
  const limit = p.kind === "token" ? p.token.expiresAt : null;
  return limit === null ? asked : Math.min(asked, limit);
}

export function machineScope(machineId: string): string[] {
  return [machineRoomOf(machineId), OWNED_SESSION_ROOMS];
}

export function unauthorized(): Failure {
  return failure("unauthorized", "missing, unknown, expired or revoked bearer");
}
