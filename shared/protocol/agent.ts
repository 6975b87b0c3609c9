import { z } from "zod";

/**
 * A turn as the session room records it (docs/protocol.md §9): turn.started, Claude's output
 * (agent.message, tool.result, streamed agent.delta signals), turn.result. Strict schemas are what
 * the bridge produces; `Tolerant…` ones are what the phone accepts from any bridge version.
 */

/** `text`: the first prompt, given with machine.create_session (no user.message carries it). */
export const TurnStarted = z.object({ inputMid: z.string(), text: z.string().optional() });
export type TurnStarted = z.infer<typeof TurnStarted>;

/** The Agent SDK's result subtypes, then the bridge's own (a turn it had to end itself). */
export const TurnResultSubtype = z.enum([
  "success",
  "error_during_execution",
  "error_max_turns",
  "error_max_budget_usd",
  "error_max_structured_output_retries",
  /** The bridge was killed during the turn. */
  "error_bridge_restarted",
  /** The Claude process died. */
  "error_process_exited",
  /** The process was closed after an unanswered interrupt. */
  "interrupted",
  "session_ended",
  /** The bridge itself failed while handling the input. */
  "error_bridge",
]);
export type TurnResultSubtype = z.infer<typeof TurnResultSubtype>;

/** `inputMid`: the input that started the turn (null only for a turn no message started). */
export const TurnResult = z.object({
  inputMid: z.string().nullable(),
  ok: z.boolean(),
  subtype: TurnResultSubtype,
  durationMs: z.number(),
  costUsd: z.number().optional(),
  /** The SDK's token usage, passed through as it is. */
  usage: z.unknown().optional(),
  error: z.string().optional(),
});
export type TurnResult = z.infer<typeof TurnResult>;

/** A newer SDK or bridge may end turns in ways this app does not know: shown by name. */
export const TolerantTurnResult = TurnResult.extend({ subtype: z.string() });
export type TolerantTurnResult = z.infer<typeof TolerantTurnResult>;

/** `truncated`: the text or tool input was shortened to fit the relay's body limit. */
export const AgentBlock = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string(), truncated: z.boolean().optional() }),
  z.object({ type: z.literal("thinking"), text: z.string(), truncated: z.boolean().optional() }),
  z.object({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: z.unknown(),
    truncated: z.literal(true).optional(),
  }),
]);
export type AgentBlock = z.infer<typeof AgentBlock>;

/**
 * A subagent's output names the Task (or Agent) tool call that runs it (docs/protocol.md §9.9);
 * absent for the main conversation and from older bridges.
 */
const ParentToolUseId = z.string().max(128).optional();

/** One per content block as the SDK streams it: messages sharing an `id` append their blocks. */
export const AgentMessage = z.object({
  id: z.string(),
  blocks: z.array(AgentBlock),
  parentToolUseId: ParentToolUseId,
});
export type AgentMessage = z.infer<typeof AgentMessage>;

/** Blocks of types this app does not know are dropped one by one instead of losing the message. */
export const TolerantAgentMessage = z.object({
  id: z.string(),
  parentToolUseId: z.string().nullable().optional(),
  blocks: z.array(z.unknown()).transform((bs) =>
    bs.flatMap((b) => {
      const r = AgentBlock.safeParse(b);
      return r.success ? [r.data] : [];
    }),
  ),
});
export type TolerantAgentMessage = z.infer<typeof TolerantAgentMessage>;

export const ToolResult = z.object({
  toolUseId: z.string(),
  isError: z.boolean(),
  content: z.string(),
  truncated: z.boolean().optional(),
  parentToolUseId: ParentToolUseId,
});
export type ToolResult = z.infer<typeof ToolResult>;

/**
 * Signal: the text appended to block `index` of message `messageId` since the previous signal,
 * starting at character `offset`. A receiver whose text is not `offset` long lost one and waits
 * for the stored agent.message, which is the truth.
 */
export const AgentDelta = z.object({
  messageId: z.string(),
  index: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  text: z.string(),
});
export type AgentDelta = z.infer<typeof AgentDelta>;
