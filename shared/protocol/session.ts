import { z } from "zod";
import { Attachments } from "./attachment.ts";
import { StopTaskCommand } from "./tasks.ts";

/**
 * Session room bodies that describe and steer the session (docs/protocol.md §9). Each strict schema
 * is what a sender must produce and what the bridge accepts from controllers; a `Tolerant…` one is
 * what the phone accepts from bridges, older and newer, so one odd field never hides a whole body.
 */

/**
 * The modes a phone may choose (set_permission_mode, create_session) and a grant may switch to.
 * `bypassPermissions` needs a flag when Claude Code starts, so the bridge refuses it.
 */
export const PermissionMode = z.enum(["default", "acceptEdits", "plan"]);
export type PermissionMode = z.infer<typeof PermissionMode>;

export const SessionState = z.enum([
  "starting",
  "idle",
  "running",
  "awaiting_permission",
  "sleeping",
  "ended",
  "error",
  /** An input waits for a usage limit to reset (`resetsAt`), then continues (docs/protocol.md §9.11). */
  "waiting_limit",
  /** An input waits until Claude Code's account works (machine.account says what is wrong). */
  "waiting_account",
]);
export type SessionState = z.infer<typeof SessionState>;

/** Sent on creation and on every change; `claudeSessionId` once Claude has named the session. */
/** A session grant ("Allow for this session"): its rule (what revoke_grant names) and its words. */
export const SessionGrant = z.object({ rule: z.string(), label: z.string() });
export type SessionGrant = z.infer<typeof SessionGrant>;

/** `grants`: what "Allow for this session" granted and is still in force; absent when none. */
export const SessionInfo = z.object({
  title: z.string(),
  cwd: z.string(),
  machineId: z.string(),
  model: z.string().optional(),
  permissionMode: PermissionMode,
  claudeSessionId: z.string().optional(),
  transitionedFrom: z.string().optional(),
  createdAt: z.number(),
  grants: z.array(SessionGrant).optional(),
  /** An input stopped by a usage limit continues by itself after the reset (default true). */
  autoContinue: z.boolean().optional(),
  /**
   * `terminal`: a Claude session started in a terminal, mirrored through Claude Code's hooks
   * (docs/hooks.md); the phone may answer its permission prompts, not send it messages. Absent for
   * sessions the bridge runs.
   */
  origin: z.literal("terminal").optional(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Older bridges left fields out or sent null; a newer one may know more permission modes. */
export const TolerantSessionInfo = SessionInfo.extend({
  machineId: z.string().optional(),
  model: z.string().nullable().optional(),
  permissionMode: z.string().optional(),
  claudeSessionId: z.string().nullable().optional(),
  transitionedFrom: z.string().nullable().optional(),
  createdAt: z.number().optional(),
  grants: z.array(SessionGrant).optional().catch(undefined),
  autoContinue: z.boolean().optional().catch(undefined),
  /** An origin this app does not know is read as a session the bridge runs. */
  origin: z.literal("terminal").optional().catch(undefined),
});
export type TolerantSessionInfo = z.infer<typeof TolerantSessionInfo>;

/** `resetsAt` (epoch ms): with `waiting_limit`, when the input continues. */
export const SessionStatus = z.object({
  state: SessionState,
  detail: z.string().optional(),
  at: z.number(),
  resetsAt: z.number().optional(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

/** A state this app does not know yet is still shown, by name. */
export const TolerantSessionStatus = SessionStatus.extend({
  state: z.string(),
  detail: z.string().nullable().optional(),
  resetsAt: z.number().nullable().optional(),
});
export type TolerantSessionStatus = z.infer<typeof TolerantSessionStatus>;

/**
 * The bridge refuses text that is empty after trimming unless the message has attachments
 * (session.notice `empty_message`). `attachments`: files sent before it as attachment.chunk (§9.5.1).
 */
export const UserMessage = z.object({ text: z.string(), attachments: Attachments.optional() });
export type UserMessage = z.infer<typeof UserMessage>;

export const SessionInterrupt = z.object({});
export type SessionInterrupt = z.infer<typeof SessionInterrupt>;

/**
 * A model name as the CLI takes it on its command line: an alias (`opus`), an id
 * (`claude-opus-4-5`, `…[1m]`) or a provider's id or ARN. Bounded, so it always fits in argv.
 */
export const ModelName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]*$/);

/** `set_model` of some shape: told apart so a bad value gets `bad_model` instead of `bad_command`. */
export const SetModelCommand = z.object({ name: z.literal("set_model") });

/**
 * A body that does not parse (an unknown name, a mode the bridge refuses) gets `bad_command`; a
 * `set_model` whose value is not a ModelName gets `bad_model`.
 */
export const SessionCommand = z.discriminatedUnion("name", [
  z.object({ name: z.literal("clear") }),
  z.object({ name: z.literal("end") }),
  z.object({ name: z.literal("set_permission_mode"), value: PermissionMode }),
  /** Without a value: the CLI's default model. */
  z.object({ name: z.literal("set_model"), value: ModelName.optional() }),
  /** Withdraws one session grant, named by its rule as session.info lists it. */
  z.object({ name: z.literal("revoke_grant"), value: z.string().min(1).max(4096) }),
  /** Stops one running subagent or background task, named by its id as session.tasks lists it. */
  StopTaskCommand,
  /** Whether an input stopped by a usage limit continues by itself after the reset. */
  z.object({ name: z.literal("set_auto_continue"), value: z.boolean() }),
  /** The input waiting for a limit or the account is tried again now. */
  z.object({ name: z.literal("continue") }),
]);
export type SessionCommand = z.infer<typeof SessionCommand>;

/** `clear` moved the room to a new Claude session. */
export const SessionTransition = z.object({
  reason: z.literal("clear"),
  fromClaudeSessionId: z.string(),
  toClaudeSessionId: z.string(),
  at: z.number(),
});
export type SessionTransition = z.infer<typeof SessionTransition>;

export const TolerantSessionTransition = SessionTransition.extend({ reason: z.string() });
export type TolerantSessionTransition = z.infer<typeof TolerantSessionTransition>;

/** Signal: a controller is typing. */
export const Typing = z.object({});
export type Typing = z.infer<typeof Typing>;
