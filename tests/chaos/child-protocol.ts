import { z } from "zod";

/**
 * The IPC contract between the runner and a transport child (transport-child.ts): a process that
 * runs the bridge's real transport (RelayClient + SocketLink + StateDb on disk) for one room, so
 * that the runner can SIGKILL it with messages in its outbox and start it again on the same state.
 */
export const ChildConfig = z.object({
  role: z.enum(["bridge", "phone"]),
  /** http origin of the actor's chaos proxy. */
  url: z.string(),
  token: z.string(),
  cid: z.string(),
  stateDir: z.string(),
  room: z.string(),
  pingEveryMs: z.number().int().positive(),
  pongTimeoutMs: z.number().int().positive(),
  backoffCapMs: z.number().int().positive(),
  /**
   * The room's key (32 bytes, base64url), for the bridge: it seals every body before its outbox as
   * the real bridge does (docs/protocol.md §12.3), so a resend after a SIGKILL sends the same bytes.
   */
  roomKey: z.string().optional(),
});
export type ChildConfig = z.infer<typeof ChildConfig>;

export const ChildCommand = z.discriminatedUnion("t", [
  z.object({ t: z.literal("send"), key: z.string(), kind: z.string(), body: z.unknown() }),
  /** Close cleanly (flush the ack) and exit; the outbox stays on disk. */
  z.object({ t: z.literal("stop") }),
]);
export type ChildCommand = z.infer<typeof ChildCommand>;

const Nullable = z.number().int().nullable();

export const ChildEvent = z.discriminatedUnion("t", [
  z.object({ t: z.literal("started"), epoch: z.number().int(), cursor: Nullable, outbox: z.number().int() }),
  /** `outbox`: how many messages the link holds unacknowledged after this event. */
  z.object({ t: z.literal("queued"), key: z.string(), mid: z.string(), outbox: z.number().int() }),
  z.object({
    t: z.literal("ack"),
    mid: z.string(),
    seq: z.number().int(),
    dup: z.boolean(),
    key: z.string().nullable(),
    outbox: z.number().int(),
  }),
  z.object({
    t: z.literal("refused"),
    mid: z.string(),
    code: z.string(),
    key: z.string().nullable(),
    outbox: z.number().int(),
  }),
  z.object({ t: z.literal("apply"), seq: z.number().int(), digest: z.string() }),
  z.object({ t: z.literal("hello"), since: Nullable, epoch: Nullable }),
  z.object({ t: z.literal("welcome"), head: z.number().int(), resumeFrom: z.number().int() }),
  z.object({ t: z.literal("gone"), reason: z.string(), resumeFrom: z.number().int() }),
  z.object({
    t: z.literal("recv"),
    first: z.number().int(),
    last: z.number().int(),
    count: z.number().int(),
  }),
  /** A socket ended; `welcomed` says whether it ever got past hello. */
  z.object({ t: z.literal("close"), code: z.number().int(), reason: z.string(), welcomed: z.boolean() }),
  z.object({ t: z.literal("state"), state: z.string() }),
  z.object({ t: z.literal("fatal"), code: z.number().int(), reason: z.string() }),
  z.object({ t: z.literal("log"), level: z.string(), message: z.string() }),
]);
export type ChildEvent = z.infer<typeof ChildEvent>;
