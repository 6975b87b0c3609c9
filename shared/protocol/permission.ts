import { z } from "zod";
import { PermissionMode } from "./session.ts";

/**
 * A permission prompt (docs/protocol.md §9): the bridge asks, controllers answer, the first valid
 * answer wins and the bridge settles it. Strict schemas are what senders produce; the bridge reads
 * answers with them. `TolerantPermissionRequest` is what the phone accepts from any bridge version.
 */

export const Decision = z.enum(["allow", "deny"]);
export type Decision = z.infer<typeof Decision>;

/**
 * Tools whose input is the person's own answer by design (a question's answers, an edited plan):
 * the only ones a `permission.response` may change with `updatedInput`.
 */
export const EDITABLE_TOOLS: readonly string[] = ["AskUserQuestion", "ExitPlanMode"];

/**
 * What a prompt asks of the person (docs/protocol.md §9.6.1): a tool to allow or deny, a question
 * to answer (`AskUserQuestion`), a plan to approve or send back (`ExitPlanMode`).
 */
export const PromptKind = z.enum(["tool", "question", "plan"]);
export type PromptKind = z.infer<typeof PromptKind>;

/** The kind of a prompt for a tool, as the bridge tells it. */
export function promptKindOf(toolName: string): PromptKind {
  if (toolName === "AskUserQuestion") return "question";
  if (toolName === "ExitPlanMode") return "plan";
  return "tool";
}

/**
 * The kind a receiver acts on: the request's hint when it is one it knows, any other hint as a
 * plain tool, and for a bridge that sent no hint, the tool's name.
 */
export function promptKind(req: { kind?: string | undefined; toolName: string }): PromptKind {
  if (req.kind === undefined) return promptKindOf(req.toolName);
  return PromptKind.safeParse(req.kind).data ?? "tool";
}

/**
 * `kind`: what the prompt asks (above); absent from older bridges.
 * `suggestions`: Claude Code's own permission updates for this call, as the CLI gave them.
 * `truncated`: `input` was shortened to fit the relay's body limit.
 * `sessionGrant`: what "Allow for this session" grants for this prompt, in words; absent when the
 * bridge offers no session grant for it (then only allow once or deny).
 */
export const PermissionRequest = z.object({
  requestId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  toolUseId: z.string(),
  title: z.string().optional(),
  suggestions: z.array(z.unknown()).optional(),
  truncated: z.literal(true).optional(),
  sessionGrant: z.string().optional(),
  kind: PromptKind.optional(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

export const TolerantPermissionRequest = PermissionRequest.extend({
  toolUseId: z.string().optional(),
  suggestions: z.unknown().optional(),
  /** A hint this app does not know (or of any other type) is read as a plain tool, never hides the prompt. */
  kind: z.string().optional().catch(undefined),
});
export type TolerantPermissionRequest = z.infer<typeof TolerantPermissionRequest>;

/**
 * `remember`: allow for the rest of the Tether session what the request's `sessionGrant` says.
 * `message`: told to Claude on a deny. `updatedInput`: the tool input to run instead, taken only
 * for EDITABLE_TOOLS (e.g. answers to a question); for any other tool the response is refused.
 * `mode`: approving a plan, the permission mode Claude continues in (`default`: ask before edits,
 * `acceptEdits`); without it Claude Code returns to the mode the session had before planning.
 * Ignored for any other prompt or a deny; `plan` is refused (a plan is approved to leave planning).
 */
export const PermissionResponse = z.object({
  requestId: z.string(),
  decision: Decision,
  remember: z.boolean().optional(),
  message: z.string().optional(),
  updatedInput: z.record(z.string(), z.unknown()).optional(),
  mode: PermissionMode.optional(),
});
export type PermissionResponse = z.infer<typeof PermissionResponse>;

/**
 * `by`: the answering controller's cid, `"timeout"`, `"cancelled"` or `"terminal"` (a terminal
 * session's own dialog answered first). `edited`: allowed with an
 * edited input, and `input` is what actually ran (shortened like a request's). `granted`: the
 * session grant the answer added, in words. `mode`: the mode an approved plan continues in, when
 * the answer chose one.
 */
export const PermissionResolved = z.object({
  requestId: z.string(),
  decision: Decision,
  by: z.string(),
  reason: z.string().optional(),
  edited: z.literal(true).optional(),
  input: z.unknown().optional(),
  granted: z.string().optional(),
  mode: PermissionMode.optional(),
});
export type PermissionResolved = z.infer<typeof PermissionResolved>;

/** A mode this app does not know is dropped, not the resolution (which closes the prompt). */
export const TolerantPermissionResolved = PermissionResolved.extend({
  mode: z.string().optional().catch(undefined),
});
export type TolerantPermissionResolved = z.infer<typeof TolerantPermissionResolved>;
