import { z } from "zod";
import { RoomId, SessionRoomId } from "./ids.ts";
import { Limits } from "./limits.ts";
import { plainText } from "./text.ts";

/**
 * Web Push (docs/protocol.md §11): the hint a bridge attaches to a message it sends, the payload
 * the relay pushes, and the subscription a device keeps with the relay.
 */

/** Why a push goes out; a device's settings choose among them (`turn` by duration). */
export const PushClass = z.enum(["prompt", "turn", "error", "resolved"]);
export type PushClass = z.infer<typeof PushClass>;

/**
 * What a notification shows. The relay passes it on without reading it (it may be end-to-end
 * encrypted later); the service worker parses it with `PushShow`.
 */
const Opaque = z.record(z.string(), z.unknown());

export const PushNotify = z.object({
  class: PushClass,
  /** How long the turn ran, for a device that wants only long turns. */
  turnMs: z.number().int().nonnegative().optional(),
  show: Opaque,
});
export type PushNotify = z.infer<typeof PushNotify>;

/**
 * `notify`: push this once the message is stored. `will`: push this (class `offline`) if the
 * bridge leaves the room and does not come back within `Limits.pushWillGraceMs`; `null` withdraws
 * it. Only a bridge may attach a hint; the relay stores neither with the message.
 */
export const PushHint = z.object({
  notify: PushNotify.optional(),
  will: z.object({ show: Opaque }).nullable().optional(),
});
export type PushHint = z.infer<typeof PushHint>;

/** What the service worker shows, from `show`. A simple permission prompt names its request. */
export const PushShow = z.object({
  title: plainText(120),
  body: plainText(300),
  /** One notification per session: a later one with the same tag replaces it. */
  tag: z.string().max(100),
  /** Allow and Deny right on the notification (a permission prompt that needs no more than that). */
  requestId: z.string().min(1).max(200).optional(),
  /** The answer was given: the notification for this request closes. */
  closes: z.boolean().optional(),
});
export type PushShow = z.infer<typeof PushShow>;

/** The plaintext of a push the relay sends (encrypted per RFC 8291 for one subscription). */
export const PushPayload = z.object({
  v: z.literal(1),
  room: RoomId,
  /** The stored message that caused it; 0 for a will (the bridge went offline). */
  seq: z.number().int().nonnegative(),
  class: z.union([PushClass, z.literal("offline")]),
  /** When the message was stored (epoch ms). */
  at: z.number(),
  show: z.unknown(),
});
export type PushPayload = z.infer<typeof PushPayload>;

/** Which finished turns a device hears of. */
export const TurnPushes = z.enum(["all", "long", "never"]);
export type TurnPushes = z.infer<typeof TurnPushes>;

const Count = z.number().int().nonnegative();

const Base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

/** PUT /api/push: this device token's subscription and settings (docs/protocol.md §11.2). */
export const PushSubscribeReq = z.object({
  endpoint: z.string().url().max(2048),
  keys: z.object({ p256dh: Base64url(80, 100), auth: Base64url(16, 32) }),
  turns: TurnPushes.default("long"),
  longTurnSeconds: z.number().int().min(5).max(86_400).default(60),
  muted: z.array(SessionRoomId).max(Limits.pushMutedMax).default([]),
});
export type PushSubscribeReq = z.infer<typeof PushSubscribeReq>;

export const PushSubscriptionInfo = z.object({
  endpoint: z.string(),
  turns: TurnPushes,
  longTurnSeconds: z.number(),
  muted: z.array(z.string()),
  createdAt: z.number(),
  /** Pushes the push service took, those that failed for good, and the tries that failed and were retried. */
  sent: z.number(),
  failed: z.number(),
  retries: z.number(),
  lastError: z.string().nullable(),
});
export type PushSubscriptionInfo = z.infer<typeof PushSubscriptionInfo>;

/** GET /api/push: the relay's VAPID public key (the app's applicationServerKey) and this token's subscription. */
export const PushStateRes = z.object({
  publicKey: z.string(),
  subscription: PushSubscriptionInfo.nullable(),
});
export type PushStateRes = z.infer<typeof PushStateRes>;

/**
 * GET /api/push/stats (bridge token): what the relay's pushes for this machine came to, kept per
 * machine so it outlives subscriptions (docs/protocol.md §11.2). `gone`: 404/410, the subscription
 * removed; `retried`: failed tries that were tried again; `lastAt`: the last outcome of any kind.
 */
export const PushStatsRes = z.object({
  sent: Count,
  failed: Count,
  retried: Count,
  gone: Count,
  lastError: z.string().max(Limits.pushErrorChars).nullable(),
  lastAt: z.number().int().nonnegative().nullable(),
});
export type PushStatsRes = z.infer<typeof PushStatsRes>;
