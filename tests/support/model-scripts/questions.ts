import { resultText, tool } from "./turn.ts";
import type { ContentPart, Directive, MessagesRequest, Reply } from "./types.ts";

/**
 * Questions and plans (issue 11). After the tool's result the model says what it got back, word for
 * word, so a test can check that the person's answer (or feedback) reached it:
 *   [[question q=Which_color?]]          → AskUserQuestion, one single-select question (red, blue, green),
 *                                          then "Answers: <tool result>"
 *   [[questions]]                        → AskUserQuestion, two questions: "Which color?" (single) and
 *                                          "Which sizes?" (multiSelect: small, medium, large)
 *   [[plan write=/abs/file.txt]]         → ExitPlanMode with a markdown plan, then "Plan result: <tool
 *                                          result>"; when it was approved and `write` is given, a Write
 *                                          of that file follows (to see which mode the session is in)
 */
export const questions: Record<string, Directive> = {
  question: ({ args, results, nextId }) =>
    results.length > 0
      ? said("Answers", results)
      : tool(nextId(), "AskUserQuestion", {
          questions: [
            choice((args.q ?? "Which color?").replaceAll("_", " "), "Color", ["red", "blue", "green"], false),
          ],
        }),
  questions: ({ results, nextId }) =>
    results.length > 0
      ? said("Answers", results)
      : tool(nextId(), "AskUserQuestion", {
          questions: [
            choice("Which color?", "Color", ["red", "blue", "green"], false),
            choice("Which sizes?", "Sizes", ["small", "medium", "large"], true),
          ],
        }),
  plan: ({ args, results, body, nextId }) => {
    // Plan mode tells Claude where to write its plan; ExitPlanMode then reads it from there.
    const file = planFile(body);
    if (results.length === 0)
      return file ? tool(nextId(), "Write", { file_path: file, content: PLAN }) : exitPlan(nextId());
    const planned = results.findIndex((r) => toolNameOf(body, r.tool_use_id) === "ExitPlanMode");
    if (planned < 0) return exitPlan(nextId());
    const verdict = results[planned];
    const after = results.length - 1 - planned;
    if (after === 0 && verdict?.is_error !== true && args.write) {
      const reply = said("Plan result", [verdict as ContentPart]);
      return {
        blocks: [
          ...reply.blocks,
          {
            type: "tool_use",
            id: nextId(),
            name: "Write",
            input: { file_path: args.write, content: "planned" },
          },
        ],
        stop: "tool_use",
      };
    }
    return after === 0 ? said("Plan result", [verdict as ContentPart]) : done();
  },
};

/** The plan the `plan` directive proposes (markdown, as Claude writes them). */
export const PLAN = "# Plan: greet\n\n1. Write **hello.txt**\n2. Check it\n\n- no other files change";

/** The plan goes in the input too, as older CLIs (and a plan-less session) take it there. */
function exitPlan(id: string): Reply {
  return tool(id, "ExitPlanMode", { plan: PLAN });
}

/** The name of the tool a tool_use id belongs to, from the conversation so far. */
function toolNameOf(body: MessagesRequest, id: string | undefined): string | null {
  for (const m of body.messages) {
    if (typeof m.content === "string") continue;
    for (const p of m.content as { type: string; id?: string; name?: string }[])
      if (p.type === "tool_use" && p.id === id) return p.name ?? null;
  }
  return null;
}

/** Where plan mode's reminder tells Claude to write its plan (absent outside plan mode). */
function planFile(body: MessagesRequest): string | null {
  const text = JSON.stringify(body.messages);
  return /(?:create your plan at|plan file already exists at) (\S+?\.md)/.exec(text)?.[1] ?? null;
}

function choice(question: string, header: string, labels: string[], multiSelect: boolean) {
  return {
    question,
    header,
    options: labels.map((label) => ({ label, description: `the ${label} one` })),
    multiSelect,
  };
}

function said(what: string, results: readonly ContentPart[]): Reply {
  return { blocks: [{ type: "text", text: `${what}: ${resultText(results[0])}` }], stop: "end_turn" };
}

function done(): Reply {
  return { blocks: [{ type: "text", text: "done" }], stop: "end_turn" };
}
