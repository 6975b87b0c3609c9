import { z } from "zod";

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
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

export const TolerantPermissionRequest = PermissionRequest.extend({
  toolUseId: z.string().optional(),
  suggestions: z.unknown().optional(),
});
export type TolerantPermissionRequest = z.infer<typeof TolerantPermissionRequest>;

/**
 * `remember`: allow for the rest of the Tether session what the request's `sessionGrant` says.
 * `message`: told to Claude on a deny. `updatedInput`: the tool input to run instead, taken only
 * for EDITABLE_TOOLS (e.g. answers to a question); for any other tool the response is refused.
 */
export const PermissionResponse = z.object({
  requestId: z.string(),
  decision: Decision,
  remember: z.boolean().optional(),
  message: z.string().optional(),
  updatedInput: z.record(z.string(), z.unknown()).optional(),
});
export type PermissionResponse = z.infer<typeof PermissionResponse>;

/**
 * `by`: the answering controller's cid, `"timeout"` or `"cancelled"`. `edited`: allowed with an
 * edited input, and `input` is what actually ran (shortened like a request's). `granted`: the
 * session grant the answer added, in words.
 */
export const PermissionResolved = z.object({
  requestId: z.string(),
  decision: Decision,
  by: z.string(),
  reason: z.string().optional(),
  edited: z.literal(true).optional(),
  input: z.unknown().optional(),
  granted: z.string().optional(),
});
export type PermissionResolved = z.infer<typeof PermissionResolved>;
