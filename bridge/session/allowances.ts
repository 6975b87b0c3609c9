import { z } from "zod";
import { PermissionMode } from "../../shared/protocol/index.ts";

/**
 * What "Allow for this session" grants, in a form that outlives the Claude process: the next
 * process of the session starts with these (`allowedTools`, `additionalDirectories`, and the
 * permission mode), so idle sleep or a bridge restart does not bring the same prompt back.
 */
export type Allowance = {
  /** A permission mode the grant switches to (e.g. acceptEdits for a Write), or null. */
  mode: PermissionMode | null;
  /** Allow rules as the CLI spells them: `Write`, `Bash(npm test:*)`. */
  tools: string[];
  directories: string[];
};

const Rule = z.object({ toolName: z.string().min(1), ruleContent: z.string().min(1).optional() });
const Suggestion = z.discriminatedUnion("type", [
  z.object({ type: z.literal("addRules"), rules: z.array(Rule), behavior: z.string() }),
  z.object({ type: z.literal("replaceRules"), rules: z.array(Rule), behavior: z.string() }),
  z.object({ type: z.literal("setMode"), mode: z.string() }),
  z.object({ type: z.literal("addDirectories"), directories: z.array(z.string().min(1)) }),
]);

/**
 * The grant behind the CLI's suggestions for one prompt. Suggestions it cannot carry over
 * (deny rules, removals, a mode the phone may not choose, anything unreadable) are left out;
 * when nothing usable remains, the grant is the tool itself.
 */
export function allowanceOf(toolName: string, suggestions: readonly unknown[]): Allowance {
  const out: Allowance = { mode: null, tools: [], directories: [] };
  for (const raw of suggestions) {
    const s = Suggestion.safeParse(raw);
    if (!s.success) continue;
    const v = s.data;
    if (v.type === "setMode") {
      const mode = PermissionMode.safeParse(v.mode);
      if (mode.success) out.mode = mode.data;
    } else if (v.type === "addDirectories") out.directories.push(...v.directories);
    else if (v.behavior === "allow") out.tools.push(...v.rules.map(ruleText));
  }
  if (out.mode === null && out.tools.length === 0 && out.directories.length === 0) out.tools.push(toolName);
  return out;
}

function ruleText(r: z.infer<typeof Rule>): string {
  return r.ruleContent === undefined ? r.toolName : `${r.toolName}(${r.ruleContent})`;
}
