import type { SDKMessage, SDKRateLimitInfo, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";

/** What the session logic needs to know from the SDK's message stream; everything else is dropped. */
export type RunEvent =
  | { t: "init"; sessionId: string; model: string; permissionMode: string }
  /** `error`: the CLI's own reply for a failed API call (rate_limit, authentication_failed, …). */
  | { t: "assistant"; id: string; blocks: AgentBlock[]; error?: string }
  /** The subscription's usage windows changed (`rate_limit_event`). */
  | { t: "rate_limit"; info: SDKRateLimitInfo & { unifiedWindows?: unknown } }
  | { t: "delta"; messageId: string; index: number; text: string }
  | { t: "tool_result"; toolUseId: string; isError: boolean; content: string }
  | {
      t: "result";
      sessionId: string;
      ok: boolean;
      subtype: SDKResultMessage["subtype"];
      durationMs: number;
      costUsd: number;
      usage: unknown;
      error: string | null;
    }
  | { t: "reset" };

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
      return [];
    case "assistant": {
      const blocks = (m.message.content as Part[]).flatMap(block);
      return [{ t: "assistant", id: m.message.id, blocks, ...(m.error ? { error: m.error } : {}) }];
    }
    case "rate_limit_event":
      return [{ t: "rate_limit", info: m.rate_limit_info }];
    case "user":
      return toolResults(m.message.content);
    case "stream_event":
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
        },
      ];
    case "conversation_reset":
      return [{ t: "reset" }];
    default:
      return [];
  }
}

function block(p: Part): AgentBlock[] {
  if (p.type === "text") return [{ type: "text", text: p.text ?? "" }];
  if (p.type === "thinking") return [{ type: "thinking", text: p.thinking ?? "" }];
  if (p.type === "tool_use")
    return [{ type: "tool_use", id: p.id ?? "", name: p.name ?? "", input: p.input ?? {} }];
  return [];
}

function toolResults(content: unknown): RunEvent[] {
  if (!Array.isArray(content)) return [];
  return (content as ToolResultPart[])
    .filter((p) => p.type === "tool_result")
    .map((p) => ({
      t: "tool_result",
      toolUseId: p.tool_use_id ?? "",
      isError: p.is_error === true,
      content: textOf(p.content),
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
