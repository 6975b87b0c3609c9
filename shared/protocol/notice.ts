import { z } from "zod";

/**
 * Notices: how the bridge answers a request or an input it could not carry out. Senders use the
 * codes below; receivers read any code (a newer bridge may add one) and show the text.
 */

export const NoticeLevel = z.enum(["info", "warn", "error"]);
export type NoticeLevel = z.infer<typeof NoticeLevel>;

/** `session.notice` codes the bridge sends (docs/protocol.md §9). */
export const SessionNoticeCode = z.enum([
  "resume_failed_started_fresh",
  "session_ended",
  "empty_message",
  "bad_command",
  "command_failed",
  "bad_model",
  "message_skipped",
  // A permission.response the bridge refused (docs/protocol.md §9.6); the prompt stays open.
  "bad_response",
  "edit_not_allowed",
  // revoke_grant named no grant of this session.
  "unknown_grant",
  // The sender has too many inputs waiting in this session (docs/protocol.md §9.5).
  "too_many_inputs",
  // stop_task named no running task of this session.
  "unknown_task",
  // set_permission_mode with a mode the bridge refuses; the text says why (docs/protocol.md §9.5).
  "bad_permission_mode",
  // A user.message starting with a /command this session's Claude Code does not list.
  "unlisted_command",
  // A user.message whose attachment did not arrive whole (docs/protocol.md §9.5.1); it never runs.
  "attachment_failed",
  // A user.message for a live terminal session, queued for its next Stop hook (docs/protocol.md §9.6.2).
  "queued_for_terminal",
  // That message went to the terminal's Claude as its turn ended (docs/protocol.md §9.6.2).
  "delivered_at_stop",
  // A message handed to the Stop hook that the terminal's turn did not go on with (at most once).
  "not_delivered",
  // The terminal had ended: the phone's message continues the session here, run by the bridge.
  "continued_here",
  // The terminal resumed a session the bridge ran: the bridge's process stopped (docs/protocol.md §9.6.2).
  "resumed_in_terminal",
  // Claude Code's own notification in the terminal (it needs a permission, it waits for input).
  "terminal_notification",
  // A terminal's Claude process went away without ending its session: it is ended (docs/protocol.md §9.6.2).
  "terminal_gone",
  // A controller's message whose body did not open (docs/protocol.md §12.3); names it as `mid`.
  "unverifiable",
  // The live Claude processes exceeded --max-live-memory: this idle session's process was let go.
  "slept_for_memory",
  // The live Claude processes reached --max-live and another session needed one: this idle one's went.
  "slept_for_cap",
]);
export type SessionNoticeCode = z.infer<typeof SessionNoticeCode>;

/** `machine.notice` codes the bridge sends (docs/protocol.md §9). */
export const MachineNoticeCode = z.enum([
  "bad_request",
  "cwd_not_allowed",
  "unknown_session",
  "internal",
  "message_skipped",
  "resume_not_allowed",
  "too_many_sessions",
  // A request whose body did not open, or an enroll whose proof failed (docs/protocol.md §12).
  "unverifiable",
]);
export type MachineNoticeCode = z.infer<typeof MachineNoticeCode>;

/**
 * `inputMid`: the user.message (or create request, for a first prompt) the notice answers.
 * `requestId`: the permission prompt a refused response named; `mid`: the refused message itself
 * when its requestId could not be read.
 */
export const SessionNotice = z.object({
  level: NoticeLevel,
  code: SessionNoticeCode,
  text: z.string(),
  inputMid: z.string().optional(),
  requestId: z.string().optional(),
  mid: z.string().optional(),
});
export type SessionNotice = z.infer<typeof SessionNotice>;

/** `requestMid`: the machine request it answers; absent for a notice about the machine itself. */
export const MachineNotice = z.object({
  requestMid: z.string().optional(),
  level: NoticeLevel,
  code: MachineNoticeCode,
  text: z.string(),
});
export type MachineNotice = z.infer<typeof MachineNotice>;

/** Receivers: any code, and an unknown level shows as info, so a newer bridge's notice still shows. */
const tolerant = { level: NoticeLevel.catch("info"), code: z.string() };
export const TolerantSessionNotice = SessionNotice.extend(tolerant);
export type TolerantSessionNotice = z.infer<typeof TolerantSessionNotice>;
export const TolerantMachineNotice = MachineNotice.extend(tolerant);
export type TolerantMachineNotice = z.infer<typeof TolerantMachineNotice>;
