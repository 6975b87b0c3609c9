import { z } from "zod";
import { PromptKind, TurnResultSubtype } from "../../shared/protocol/index.ts";

/**
 * What the bridge did, one JSON line per event in `<stateDir>/events/` (docs/events.md). Each line
 * is `{v, seq, at, type, …}`: `seq` counts up across files and restarts, `at` is epoch ms.
 * Durations are milliseconds measured by the bridge.
 */

const Room = z.string().min(1).max(128);
const ClaudeId = z.string().min(1).max(128);
const Ms = z.number().int().nonnegative();

/** Where a resumed Claude session comes from: its own sleep, a bridge restart, or the phone's pick. */
export const ResumedFrom = z.enum(["sleep", "restart", "import", "exit"]);
export type ResumedFrom = z.infer<typeof ResumedFrom>;

/**
 * Why a process was let go: the idle timer, the live-process cap, the live-memory budget, a held
 * input, or it exited by itself.
 */
export const SleptWhy = z.enum(["idle", "cap", "memory", "hold", "exited"]);
export type SleptWhy = z.infer<typeof SleptWhy>;

/** Who settled a prompt: a phone (or `tether attach`), the terminal's dialog, the timeout, or nobody. */
export const PromptBy = z.enum(["phone", "elsewhere", "timeout", "cancelled"]);
export type PromptBy = z.infer<typeof PromptBy>;

export const EventBody = z.discriminatedUnion("type", [
  z.object({ type: z.literal("bridge.started"), pid: z.number().int(), version: z.string() }),
  z.object({ type: z.literal("bridge.stopped") }),
  /** `terminal`: a session a terminal's `claude` started, mirrored from its hooks. */
  z.object({
    type: z.literal("session.created"),
    room: Room,
    resumeOf: ClaudeId.optional(),
    terminal: z.literal(true).optional(),
  }),
  /** A process began a new Claude session (a new room, or after a fallback or /clear-less start). */
  z.object({ type: z.literal("session.started"), room: Room }),
  z.object({ type: z.literal("session.resumed"), room: Room, claudeSessionId: ClaudeId, from: ResumedFrom }),
  /** The Claude session could not be resumed; the input went to a fresh one. */
  z.object({
    type: z.literal("session.fallback"),
    room: Room,
    fromClaudeSessionId: ClaudeId.nullable(),
    reason: z.string().max(500),
    inputMid: z.string().max(128),
  }),
  z.object({ type: z.literal("session.slept"), room: Room, why: SleptWhy, liveMs: Ms.optional() }),
  z.object({ type: z.literal("session.woke"), room: Room, sleptMs: Ms.optional() }),
  z.object({ type: z.literal("session.transition"), room: Room, from: ClaudeId, to: ClaudeId }),
  z.object({ type: z.literal("session.ended"), room: Room, reason: z.string().max(500) }),
  z.object({ type: z.literal("session.error"), room: Room, error: z.string().max(2000) }),
  /** `firstTokenMs`: from the input reaching the turn to Claude's first output, when there was any. */
  z.object({
    type: z.literal("turn.ended"),
    room: Room,
    inputMid: z.string().max(128),
    ok: z.boolean(),
    subtype: TurnResultSubtype,
    turnMs: Ms,
    firstTokenMs: Ms.optional(),
  }),
  z.object({ type: z.literal("prompt.asked"), room: Room, requestId: z.string().max(128), kind: PromptKind }),
  /** `waitMs`: from the prompt's request to its answer; absent for one a restart cancelled. */
  z.object({
    type: z.literal("prompt.resolved"),
    room: Room,
    requestId: z.string().max(128),
    kind: PromptKind.optional(),
    by: PromptBy,
    decision: z.enum(["allow", "deny"]),
    waitMs: Ms.optional(),
  }),
  /** Every link to the relay is down (after one was up). */
  z.object({ type: z.literal("relay.down") }),
  z.object({ type: z.literal("relay.up"), outageMs: Ms }),
]);
export type EventBody = z.infer<typeof EventBody>;
export type EventType = EventBody["type"];

export const EVENT_VERSION = 1;

export const LifecycleEvent = z.intersection(
  z.object({ v: z.literal(EVENT_VERSION), seq: z.number().int().positive(), at: z.number().int() }),
  EventBody,
);
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;
