import type { Directive } from "./types.ts";

/**
 *   [[big tokens=750000]]  → a short answer whose usage says the prompt took `tokens` tokens, so
 *                             Claude Code counts the context that full (the context meter)
 *   [[summary]]            → a compaction summary in the form the CLI asks for; put it in the
 *                             instructions of a compaction: `/compact [[summary]]`
 */
export const commands: Record<string, Directive> = {
  big: ({ args }) => ({
    blocks: [{ type: "text", text: "A big context." }],
    stop: "end_turn",
    inputTokens: Number(args.tokens ?? 750_000),
  }),
  summary: () => ({
    blocks: [
      {
        type: "text",
        text: "<analysis>The scripted conversation.</analysis>\n<summary>Scripted summary of the conversation so far.</summary>",
      },
    ],
    stop: "end_turn",
  }),
};
