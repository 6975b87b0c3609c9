import { z } from "zod";
import { Cid, KindName, Mid, Role, SignalName } from "./ids.ts";
import { Limits, WIRE_VERSION } from "./limits.ts";
import { PushHint } from "./push.ts";

const Seq = z.number().int().nonnegative();

// ---- client → relay (docs/protocol.md §4.2) --------------------------------------------------

export const Hello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  cid: Cid,
  epoch: z.number().int().nonnegative().optional(),
  since: Seq.nullable().optional(),
  tail: z.number().int().min(0).max(Limits.tailMax).optional(),
});
export type Hello = z.infer<typeof Hello>;

/** `body` may be any JSON value, but it must be present. */
export const OutMsg = z.object({
  mid: Mid,
  kind: KindName,
  body: z.unknown().refine((b) => b !== undefined, "body is required"),
  /** Bridge only: what to push once it is stored (§11.1). Not stored with the message. */
  push: PushHint.optional(),
});
export type OutMsg = z.infer<typeof OutMsg>;

export const Send = z.object({
  t: z.literal("send"),
  msgs: z.array(OutMsg).min(1).max(Limits.msgsPerSend),
});
export type Send = z.infer<typeof Send>;

export const Ack = z.object({ t: z.literal("ack"), upTo: Seq });
export type Ack = z.infer<typeof Ack>;

export const HistoryReq = z.object({
  t: z.literal("history"),
  before: Seq.optional(),
  limit: z.number().int().min(1).max(Limits.historyMax).optional(),
});
export type HistoryReq = z.infer<typeof HistoryReq>;

/** The page shows this room, visible and focused (`on`), or stopped showing it (§11.3). */
export const Focus = z.object({ t: z.literal("focus"), on: z.boolean() });
export type Focus = z.infer<typeof Focus>;

export const SignalOut = z.object({
  t: z.literal("signal"),
  kind: SignalName,
  body: z.unknown().optional(),
});
export type SignalOut = z.infer<typeof SignalOut>;

// ---- relay → client (docs/protocol.md §4.3) --------------------------------------------------

export const Welcome = z.object({
  t: z.literal("welcome"),
  v: z.literal(WIRE_VERSION),
  room: z.string(),
  role: Role,
  head: Seq,
  low: Seq,
  resumeFrom: Seq,
  serverTime: z.number(),
});
export type Welcome = z.infer<typeof Welcome>;

export const Gone = z.object({
  t: z.literal("gone"),
  reason: z.enum(["truncated", "unknown_cursor"]),
  low: Seq,
  head: Seq,
  resumeFrom: Seq,
});
export type Gone = z.infer<typeof Gone>;

export const StoredMsg = z.object({
  seq: Seq,
  mid: z.string(),
  cid: z.string(),
  role: Role,
  kind: z.string(),
  body: z.unknown(),
  ts: z.number(),
});
export type StoredMsg = z.infer<typeof StoredMsg>;

export const Msgs = z.object({ t: z.literal("msgs"), items: z.array(StoredMsg) });
export type Msgs = z.infer<typeof Msgs>;

export const CaughtUp = z.object({ t: z.literal("caught_up"), head: Seq });
export type CaughtUp = z.infer<typeof CaughtUp>;

export const AckItem = z.object({ mid: z.string(), seq: Seq, dup: z.literal(true).optional() });
export type AckItem = z.infer<typeof AckItem>;

export const Acked = z.object({ t: z.literal("acked"), acks: z.array(AckItem) });
export type Acked = z.infer<typeof Acked>;

export const HistoryPage = z.object({ t: z.literal("history"), items: z.array(StoredMsg), low: Seq });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const SignalIn = z.object({
  t: z.literal("signal"),
  cid: z.string(),
  role: Role,
  kind: z.string(),
  body: z.unknown(),
});
export type SignalIn = z.infer<typeof SignalIn>;

export const Peer = z.object({ cid: z.string(), role: Role, since: z.number(), lastSeen: z.number() });
export type Peer = z.infer<typeof Peer>;

export const Presence = z.object({ t: z.literal("presence"), peers: z.array(Peer) });
export type Presence = z.infer<typeof Presence>;

export const ErrorCode = z.enum([
  "bad_frame",
  "too_large",
  "too_deep",
  "hello_required",
  "not_allowed",
  "rate_limited",
  "fenced",
  "room_full",
  "too_many",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorFrame = z.object({
  t: z.literal("error"),
  code: ErrorCode,
  message: z.string(),
  mid: z.string().optional(),
  retryAfterMs: z.number().int().optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

export const RelayFrame = z.discriminatedUnion("t", [
  Welcome,
  Gone,
  Msgs,
  CaughtUp,
  Acked,
  HistoryPage,
  SignalIn,
  Presence,
  ErrorFrame,
]);
export type RelayFrame = z.infer<typeof RelayFrame>;
