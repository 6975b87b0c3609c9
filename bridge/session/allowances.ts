import { isAbsolute, normalize } from "node:path";
import { z } from "zod";

/**
 * "Allow for this session", granted exactly as the button says. A grant is a list of rules in the
 * CLI's own spelling, enforced by the bridge (every prompt the CLI would raise reaches it through
 * canUseTool), so revoking one takes effect at the next call, in the live process too:
 *   Bash(npm test:*)    a command that is `npm test` or starts with `npm test `, with no shell
 *                       operators ( ; & | ` $ < > ( ) or a newline) that could chain another
 *   Bash(ls -la)        exactly this command
 *   Write(//abs/file)   this file, for Write (likewise Edit, MultiEdit, NotebookEdit, Read)
 *   Read(//abs/dir/**)  files under this folder, for Read, Glob and Grep
 *   WebFetch(domain:h)  URLs on host h
 * Mode switches (acceptEdits for a Write or a mkdir) and working folders (addDirectories) the CLI
 * suggests never become part of a grant: they would allow far more than the one call the person
 * saw. `Read(//dir/**)` is enforced when a rule suggestion spells it.
 */
export type Grant = { rules: string[]; label: string };

const Rule = z.object({ toolName: z.string().min(1), ruleContent: z.string().min(1).optional() });
const RuleSuggestion = z.object({
  type: z.enum(["addRules", "replaceRules"]),
  rules: z.array(Rule),
  behavior: z.literal("allow"),
});

const FILE_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit", "Read"]);
const DIR_TOOLS = ["Read", "Glob", "Grep"];
const SHELL_OPERATORS = /[;&|`$<>()\n\r]/;

/** The grant "Allow for this session" makes for one prompt; null when the bridge offers none. */
export function grantOf(toolName: string, input: unknown, suggestions: readonly unknown[]): Grant | null {
  const rules = new Set<string>();
  for (const raw of suggestions) {
    const r = RuleSuggestion.safeParse(raw);
    if (r.success)
      for (const x of r.data.rules) {
        const rule = x.ruleContent === undefined ? null : `${x.toolName}(${x.ruleContent})`;
        if (rule !== null && labelOfRule(rule) !== null) rules.add(rule);
      }
  }
  if (rules.size === 0) {
    const exact = exactRule(toolName, input);
    if (exact) rules.add(exact);
  }
  if (rules.size === 0) return null;
  const list = [...rules];
  return { rules: list, label: list.map((r) => labelOfRule(r) ?? r).join("; ") };
}

/** The rule for exactly this call, when the tool has one. */
function exactRule(toolName: string, input: unknown): string | null {
  if (toolName === "Bash") {
    const cmd = field(input, "command");
    return cmd?.trim() ? `Bash(${cmd.trim()})` : null;
  }
  if (FILE_TOOLS.has(toolName)) {
    const path = field(input, "file_path") ?? field(input, "notebook_path");
    return path && isPlainAbsolute(path) ? `${toolName}(/${path})` : null;
  }
  if (toolName === "WebFetch") {
    const host = hostOf(field(input, "url"));
    return host ? `WebFetch(domain:${host})` : null;
  }
  return null;
}

type Parsed =
  | { t: "prefix" | "exact"; tool: "Bash"; value: string }
  | { t: "file" | "under"; tool: string; value: string }
  | { t: "domain"; tool: "WebFetch"; value: string }
  | { t: "tool"; tool: string };

/** Reads a rule this bridge can enforce; null for any other spelling. */
export function parseRule(rule: string): Parsed | null {
  const m = /^([A-Za-z][\w-]*)(?:\((.+)\))?$/s.exec(rule);
  if (!m?.[1]) return null;
  const tool = m[1];
  const content = m[2];
  if (content === undefined) return tool === "Bash" ? null : { t: "tool", tool };
  if (tool === "Bash") {
    if (content.endsWith(":*")) {
      const value = content.slice(0, -2).trim();
      return value && !SHELL_OPERATORS.test(value) ? { t: "prefix", tool, value } : null;
    }
    return { t: "exact", tool, value: content };
  }
  if (tool === "WebFetch")
    return content.startsWith("domain:") ? { t: "domain", tool, value: content.slice(7) } : null;
  if (!content.startsWith("//")) return null;
  const path = content.slice(1);
  if (path.endsWith("/**")) {
    const dir = path.slice(0, -3);
    return DIR_TOOLS.includes(tool) && isPlainAbsolute(dir) ? { t: "under", tool, value: dir } : null;
  }
  return FILE_TOOLS.has(tool) && isPlainAbsolute(path) ? { t: "file", tool, value: path } : null;
}

/** What a rule allows, in the words the phone and `tether status` show; null when not enforceable. */
export function labelOfRule(rule: string): string | null {
  const p = parseRule(rule);
  if (!p) return null;
  switch (p.t) {
    case "prefix":
      return `Bash commands starting with "${p.value}"`;
    case "exact":
      return `the Bash command "${p.value}"`;
    case "file":
      return `${p.tool} on ${p.value}`;
    case "under":
      return `${p.tool} under ${p.value}/`;
    case "domain":
      return `WebFetch on ${p.value}`;
    case "tool":
      return `every ${p.tool} call`;
  }
}

/** A session's grants with their words, as session.info and `tether status` list them. */
export function grantsOf(
  registry: { grants(room: string): string[] },
  room: string,
): { rule: string; label: string }[] {
  return registry.grants(room).map((rule) => ({ rule, label: labelOfRule(rule) ?? rule }));
}

/** Whether a rule covers this call. */
export function ruleCovers(rule: string, toolName: string, input: unknown): boolean {
  const p = parseRule(rule);
  if (!p) return false;
  switch (p.t) {
    case "tool":
      return p.tool === toolName;
    case "prefix": {
      const cmd = toolName === "Bash" ? field(input, "command")?.trim() : undefined;
      if (cmd === undefined || SHELL_OPERATORS.test(cmd)) return false;
      return cmd === p.value || cmd.startsWith(`${p.value} `);
    }
    case "exact":
      return toolName === "Bash" && field(input, "command")?.trim() === p.value;
    case "file": {
      const path = field(input, "file_path") ?? field(input, "notebook_path");
      return toolName === p.tool && path === p.value;
    }
    case "under": {
      const path = field(input, "file_path") ?? field(input, "path");
      return (
        DIR_TOOLS.includes(toolName) &&
        path !== undefined &&
        isPlainAbsolute(path) &&
        (path === p.value || path.startsWith(`${p.value}/`))
      );
    }
    case "domain":
      return toolName === "WebFetch" && hostOf(field(input, "url")) === p.value;
  }
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

/** Absolute, already normal (no `.`, `..`, doubled or trailing slashes): compared as text. */
function isPlainAbsolute(path: string): boolean {
  return isAbsolute(path) && normalize(path) === path && (path === "/" || !path.endsWith("/"));
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}
