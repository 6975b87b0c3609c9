import { z } from "zod";
import { MachineId, Role, RoomId, SessionRoomId, TokenKind } from "./ids.ts";
import { Limits } from "./limits.ts";
import { plainText } from "./text.ts";

/** HTTP bodies of docs/protocol.md §3. Timestamps are epoch ms; absent values are null. */

const Label = plainText(200);
const Ttl = z.number().int().positive();

export const CreateTokenReq = z.object({
  kind: z.enum(["bridge", "device"]),
  machineId: MachineId,
  label: Label.optional(),
  ttlSeconds: Ttl.optional(),
});
export type CreateTokenReq = z.infer<typeof CreateTokenReq>;

export const CreateTokenRes = z.object({
  id: z.string(),
  token: z.string(),
  expiresAt: z.number().nullable(),
});
export type CreateTokenRes = z.infer<typeof CreateTokenRes>;

export const TokenInfo = z.object({
  id: z.string(),
  kind: TokenKind,
  role: Role,
  machineId: MachineId,
  rooms: z.array(z.string()),
  label: z.string().nullable(),
  /** The token that minted this one (a share's device or bridge); null for the relay secret, a pairing, or a row older than the field. */
  createdBy: z.string().nullable().default(null),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const TokenList = z.object({ tokens: z.array(TokenInfo) });
export type TokenList = z.infer<typeof TokenList>;

/** The revoked token and the live shares it had made, revoked with it (docs/protocol.md §2.2). */
export const RevokeTokenRes = z.object({ id: z.string(), shares: z.array(z.string()) });
export type RevokeTokenRes = z.infer<typeof RevokeTokenRes>;

export const CreatePairingReq = z.object({ label: Label.optional() });
export const CreatePairingRes = z.object({ code: z.string(), url: z.string(), expiresAt: z.number() });
export type CreatePairingRes = z.infer<typeof CreatePairingRes>;

export const PairReq = z.object({ code: z.string().min(1).max(200), label: Label.optional() });
export type PairReq = z.infer<typeof PairReq>;
export const PairRes = z.object({ token: z.string(), machineId: MachineId });
export type PairRes = z.infer<typeof PairRes>;

export const MeRes = z.object({
  id: z.string(),
  kind: TokenKind,
  role: Role,
  machineId: MachineId,
  rooms: z.array(z.string()),
  expiresAt: z.number().nullable(),
});
export type MeRes = z.infer<typeof MeRes>;

export const CreateShareReq = z.object({
  room: RoomId,
  role: z.enum(["viewer", "controller"]),
  ttlSeconds: Ttl.max(Limits.shareTtlMaxSeconds).optional(),
});
export type CreateShareReq = z.infer<typeof CreateShareReq>;

export const CreateShareRes = z.object({
  id: z.string(),
  token: z.string(),
  url: z.string(),
  expiresAt: z.number(),
});
export type CreateShareRes = z.infer<typeof CreateShareRes>;

export const HttpErrorCode = z.enum([
  "bad_request",
  "bad_code",
  "unauthorized",
  "forbidden",
  "not_found",
  "rate_limited",
  "misdirected",
  "internal",
]);
export type HttpErrorCode = z.infer<typeof HttpErrorCode>;

export const HttpError = z.object({ error: z.object({ code: HttpErrorCode, message: z.string() }) });
export type HttpError = z.infer<typeof HttpError>;

export const Healthz = z.object({ ok: z.literal(true), version: z.string() });

export { SessionRoomId };
