import { z } from "zod";

/**
 * A permission prompt (docs/protocol.md §9): the bridge asks, controllers answer, the first valid
 * answer wins and the bridge settles it. Strict schemas are what senders produce; the bridge reads
 * answers with them. `TolerantPermissionRequest` is what the phone accepts from any bridge version.
 */

export const Decision = z.enum(["allow", "deny"]);
export type Decision = z.infer<typeof Decision>;

/**
 * `suggestions`: Claude Code's own permission updates for this call, as the CLI gave them.
 * `truncated`: `input` was shortened to fit the relay's body limit.
 */
export const PermissionRequest = z.object({
  requestId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  toolUseId: z.string(),
  title: z.string().optional(),
  suggestions: z.array(z.unknown()).optional(),
  truncated: z.literal(true).optional(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

export const TolerantPermissionRequest = PermissionRequest.extend({
  toolUseId: z.string().optional(),
  suggestions: z.unknown().optional(),
});
export type TolerantPermissionRequest = z.infer<typeof TolerantPermissionRequest>;

/**
 * `remember`: allow for the rest of the Tether session. `message`: told to Claude on a deny.
 * `updatedInput`: the tool input to run instead (e.g. answers to a question).
 */
export const PermissionResponse = z.object({
  requestId: z.string(),
  decision: Decision,
  remember: z.boolean().optional(),
  message: z.string().optional(),
  updatedInput: z.record(z.string(), z.unknown()).optional(),
});
export type PermissionResponse = z.infer<typeof PermissionResponse>;

/** `by`: the answering controller's cid, `"timeout"` or `"cancelled"`. */
export const PermissionResolved = z.object({
  requestId: z.string(),
  decision: Decision,
  by: z.string(),
  reason: z.string().optional(),
});
export type PermissionResolved = z.infer<typeof PermissionResolved>;
