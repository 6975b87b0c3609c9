import { afterTool, tool } from "./turn.ts";
import type { Directive, Reply } from "./types.ts";

/**
 *   [[write path=/abs/file.txt content=hello]]   → a Write tool call, then "done" after its result
 *                                                   (size=N instead of content writes N × "x")
 *   [[bash cmd=echo_hi]]                          → a Bash tool call (underscores become spaces)
 *   [[slow chunks=200 ms=20]]                     → a long streamed answer "w0 w1 …" (for interrupts)
 *   [[slow chunks=4 ms=0 gate=g1]]                → the same, held after its first word until `model.open("g1")`
 *   [[ask q=Which_color?]]                        → an AskUserQuestion call (options red, blue)
 */
export const basic: Record<string, Directive> = {
  write: ({ args, results, nextId }) =>
    results.length > 0
      ? afterTool(results)
      : tool(nextId(), "Write", {
          file_path: args.path,
          // size=N writes N bytes of "x" (for oversized inputs)
          content: args.size ? "x".repeat(Number(args.size)) : (args.content ?? "").replaceAll("_", " "),
        }),
  bash: ({ args, results, nextId }) =>
    results.length > 0
      ? afterTool(results)
      : tool(nextId(), "Bash", {
          command: (args.cmd ?? "true").replaceAll("_", " "),
          description: "scripted",
        }),
  ask: ({ args, results, nextId }) =>
    results.length > 0
      ? afterTool(results)
      : tool(nextId(), "AskUserQuestion", {
          questions: [
            {
              question: (args.q ?? "Which?").replaceAll("_", " "),
              header: "Choice",
              options: [
                { label: "red", description: "the red one" },
                { label: "blue", description: "the blue one" },
              ],
              multiSelect: false,
            },
          ],
        }),
  slow: ({ args }) => {
    const chunks = Number(args.chunks ?? 100);
    // Distinct words, so compression on the wire does not flatter the figures.
    const text = Array.from({ length: chunks }, (_, i) => `w${i} `).join("");
    const reply: Reply = {
      blocks: [{ type: "text", text }],
      stop: "end_turn",
      chunks,
      chunkMs: Number(args.ms ?? 20),
    };
    return args.gate ? { ...reply, gate: args.gate } : reply;
  },
};
