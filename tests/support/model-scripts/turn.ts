import type { ContentPart, MessagesRequest, Reply } from "./types.ts";

/**
 * The turn a request continues: the parts of the last user message with words of its own (the
 * prompt; a directive lives there) and the tool results sent back after it, oldest first.
 */
export function turnOf(body: MessagesRequest): { parts: ContentPart[]; results: ContentPart[] } {
  // The CLI appends a `system`-role message after the conversation; only user messages count.
  const users = body.messages.filter((m) => m.role === "user").map((m) => partsOf(m.content));
  const at = users.findLastIndex((parts) => ownText(parts) !== "");
  const parts = users[at] ?? [];
  const results = users.slice(at + 1).flatMap((ps) => ps.filter((p) => p.type === "tool_result"));
  return { parts, results: [...parts.filter((p) => p.type === "tool_result"), ...results] };
}

function partsOf(content: string | ContentPart[]): ContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** The user's own words: the CLI puts its system reminders in text parts of the message too. */
export function ownText(parts: readonly ContentPart[]): string {
  return (
    parts.filter((p) => p.type === "text" && p.text && !p.text.startsWith("<system-reminder>")).at(-1)
      ?.text ?? ""
  );
}

/** A tool call, announced in words first as the real model does. */
export function tool(id: string, name: string, input: Record<string, unknown>): Reply {
  return {
    blocks: [
      { type: "text", text: `Using ${name}.` },
      { type: "tool_use", id, name, input },
    ],
    stop: "tool_use",
  };
}

/** The end of a one-tool turn: "done", or "The tool was refused." after an error result. */
export function afterTool(results: readonly ContentPart[]): Reply {
  const refused = results.at(-1)?.is_error === true;
  return { blocks: [{ type: "text", text: refused ? "The tool was refused." : "done" }], stop: "end_turn" };
}

/** A tool result's text, whether the CLI sent a string or content blocks. */
export function resultText(p: ContentPart | undefined): string {
  const c = p?.content;
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) return "";
  return c.map((b: { text?: string }) => b.text ?? "").join("\n");
}
