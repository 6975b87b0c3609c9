import { z } from "zod";

/** Identifier formats shared by every program (docs/protocol.md §2.1). */
export const MachineId = z.string().regex(/^[A-Za-z0-9_-]{6,62}$/);
export type MachineId = z.infer<typeof MachineId>;

export const MachineRoomId = z.string().regex(/^m-[A-Za-z0-9_-]{6,62}$/);
export const SessionRoomId = z.string().regex(/^s-[A-Za-z0-9_-]{16,62}$/);
export const RoomId = z.union([MachineRoomId, SessionRoomId]);
export type RoomId = z.infer<typeof RoomId>;

export const Cid = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
export type Cid = z.infer<typeof Cid>;

export const Mid = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
export type Mid = z.infer<typeof Mid>;

/**
 * How any kind is spelled on the wire, known or not (the relay carries kinds it does not know);
 * the session layer's own kinds are `Kind`/`SignalKind` in kinds.ts.
 */
export const KindName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/);
export const SignalName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/);

export const Role = z.enum(["bridge", "controller", "viewer"]);
export type Role = z.infer<typeof Role>;

export const TokenKind = z.enum(["bridge", "device", "share"]);
export type TokenKind = z.infer<typeof TokenKind>;

export function machineRoomOf(machineId: string): string {
  return `m-${machineId}`;
}
