import type { SDKMessage, SDKRateLimitInfo, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { mapTask, parentOf, type TaskEvent } from "./map-tasks.ts";

/** What the session logic needs to know from the SDK's message stream; everything else is dropped. */
export type RunEvent =
  | { t: "init"; sessionId: string; model: string; permissionMode: string }
  /**
   * `parent`: the Task/Agent tool call of the subagent that produced it; null for the main conversation.
   * `error`: the CLI's own reply for a failed API call (rate_limit, authentication_failed, …).
   */
  | { t: "assistant"; id: string; blocks: AgentBlock[]; parent?: string | null; error?: string }
  /** The subscription's usage windows changed (`rate_limit_event`). */
  | { t: "rate_limit"; info: SDKRateLimitInfo & { unifiedWindows?: unknown } }
  | { t: "delta"; messageId: string; index: number; text: string }
  /** `structured`: the CLI's own result object (`tool_use_result`), when the message holds one result. */
  | {
      t: "tool_result";
      toolUseId: string;
      isError: boolean;
      content: string;
      parent?: string | null;
      structured?: unknown;
    }
  | { t: "task"; task: TaskEvent }
  /**
   * `byCli`: the result of a turn Claude Code started by itself (a background task's notification,
   * an automatic continuation), not of an input the bridge sent; it comes first, ahead of an input
   * sent meanwhile (measured with CLI 2.1.330).
   */
  | {
      t: "result";
      sessionId: string;
      ok: boolean;
      subtype: SDKResultMessage["subtype"];
      durationMs: number;
      costUsd: number;
      usage: unknown;
      error: string | null;
      byCli: boolean;
    }
  | { t: "reset" }
  /** The CLI's permission mode changed (a mode command, an approved plan, Claude leaving plan mode). */
  | { t: "mode"; mode: string }
  /** Claude Code summarised the conversation (compact_boundary). */
  | { t: "compacted"; trigger: string; preTokens: number; postTokens: number | null }
  /** The CLI is retrying a failed API call (`api_retry`); `status` is the HTTP status, if any. */
  | { t: "api_retry"; error: string; status: number | null }
  /** The CLI's slash-command list changed (commands_changed). */
  | { t: "commands_changed" }
  /** Output of a command Claude Code ran itself (local_command_output), shown as Claude's text. */
  | { t: "local_output"; id: string; text: string };

export type AgentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown };

type Part = { type?: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown };
type ToolResultPart = { type?: string; tool_use_id?: string; is_error?: boolean; content?: unknown };

/** Maps one SDK message to zero or more RunEvents. Pure. */
export function mapSdk(m: SDKMessage): RunEvent[] {
  switch (m.type) {
    case "system":
      if (m.subtype === "init")
        return [{ t: "init", sessionId: m.session_id, model: m.model, permissionMode: m.permissionMode }];
      if (m.subtype === "status" && m.permissionMode) return [{ t: "mode", mode: m.permissionMode }];
      return systemEvent(m);
    case "assistant": {
      const blocks = (m.message.content as Part[]).flatMap(block);
      const error = m.error ? { error: m.error } : {};
      return [{ t: "assistant", id: m.message.id, blocks, parent: parentOf(m), ...error }];
    }
    case "rate_limit_event":
      return [{ t: "rate_limit", info: m.rate_limit_info }];
    case "user":
      return toolResults(m.message.content, parentOf(m), m.tool_use_result);
    case "stream_event":
      // A subagent's text streams too; its card shows the stored message, not the stream.
      if (parentOf(m)) return [];
      return delta(m.event as { type: string; index?: number; delta?: { type?: string; text?: string } }, m);
    case "result":
      return [
        {
          t: "result",
          sessionId: m.session_id,
          ok: m.subtype === "success" && !m.is_error,
          subtype: m.subtype,
          durationMs: m.duration_ms,
          costUsd: m.total_cost_usd,
          usage: m.usage,
          // A turn that ended on an API error is a `success` with is_error and the CLI's words as result.
          error:
            m.subtype === "success"
              ? m.is_error
                ? m.result || "Claude could not answer"
                : null
              : m.errors.join("; ") || m.subtype,
          byCli: m.origin !== undefined && m.origin.kind !== "human",
        },
      ];
    case "conversation_reset":
      return [{ t: "reset" }];
    default:
      return [];
  }
}

/** The other system messages: the catalog's (session-catalog.ts) and the tasks' (map-tasks.ts). */
function systemEvent(m: Extract<SDKMessage, { type: "system" }>): RunEvent[] {
  switch (m.subtype) {
    case "compact_boundary": {
      const c = m.compact_metadata;
      return [
        { t: "compacted", trigger: c.trigger, preTokens: c.pre_tokens, postTokens: c.post_tokens ?? null },
      ];
    }
    case "commands_changed":
      return [{ t: "commands_changed" }];
    case "api_retry":
      return [{ t: "api_retry", error: String(m.error), status: m.error_status ?? null }];
    case "local_command_output":
      return [{ t: "local_output", id: m.uuid, text: m.content }];
    default: {
      const task = mapTask(m);
      return task ? [{ t: "task", task }] : [];
    }
  }
}

function block(p: Part): AgentBlock[] {
  if (p.type === "text") return [{ type: "text", text: p.text ?? "" }];
  if (p.type === "thinking") return [{ type: "thinking", text: p.thinking ?? "" }];
  if (p.type === "tool_use")
    return [{ type: "tool_use", id: p.id ?? "", name: p.name ?? "", input: p.input ?? {} }];
  return [];
}

function toolResults(content: unknown, parent: string | null, structured: unknown): RunEvent[] {
  if (!Array.isArray(content)) return [];
  const parts = (content as ToolResultPart[]).filter((p) => p.type === "tool_result");
  return parts.map((p) => ({
    t: "tool_result",
    toolUseId: p.tool_use_id ?? "",
    isError: p.is_error === true,
    content: textOf(p.content),
    parent,
    ...(parts.length === 1 && structured !== undefined ? { structured } : {}),
  }));
}

function delta(
  e: { type: string; index?: number; delta?: { type?: string; text?: string } },
  m: { api_message_id?: string; uuid: string },
): RunEvent[] {
  if (e.type !== "content_block_delta" || e.delta?.type !== "text_delta") return [];
  return [
    { t: "delta", messageId: m.api_message_id ?? m.uuid, index: e.index ?? 0, text: e.delta.text ?? "" },
  ];
}

/** Tool results come as a string or as content blocks; the phone shows text. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content == null ? "" : JSON.stringify(content);
  return content
    .map((c: { type?: string; text?: string }) =>
      c.type === "text" ? (c.text ?? "") : `[${c.type ?? "content"}]`,
    )
    .join("\n");
}
