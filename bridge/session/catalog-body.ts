import type {
  ModelInfo,
  SDKControlGetContextUsageResponse,
  SlashCommand,
} from "@anthropic-ai/claude-agent-sdk";
import {
  CatalogLimits,
  CommandEntry,
  ModelEntry,
  PermissionMode,
  type SessionCommands,
  type SessionContext,
} from "../../shared/protocol/index.ts";

/**
 * What the CLI lists and counts, as the bodies of session.commands and session.context
 * (docs/protocol.md §9.10). Pure. The CLI's lists are trusted no more than any input: an entry that
 * does not fit the schema after clipping is left out, never sent.
 */

export function commandsBody(commands: readonly SlashCommand[], models: readonly ModelInfo[], at: number) {
  const seen = new Set<string>();
  const entries = commands.flatMap((c) => {
    // Names with a leading underscore are the CLI's internal hooks, not for people to type.
    if (typeof c.name !== "string" || c.name.startsWith("_") || seen.has(c.name)) return [];
    seen.add(c.name);
    return parsed(CommandEntry, commandOf(c));
  });
  const body: SessionCommands = {
    commands: entries.slice(0, CatalogLimits.commands),
    models: models.flatMap((m) => parsed(ModelEntry, modelOf(m))).slice(0, CatalogLimits.models),
    at,
  };
  return body;
}

function commandOf(c: SlashCommand): CommandEntry {
  const entry: CommandEntry = {
    name: c.name,
    description: cut(c.description, CatalogLimits.commandDescription),
    source: c.builtin === true ? "builtin" : "custom",
  };
  if (c.argumentHint) entry.argumentHint = cut(c.argumentHint, CatalogLimits.argumentHint);
  const aliases = (c.aliases ?? []).filter((a) => typeof a === "string").slice(0, 8);
  if (aliases.length > 0) entry.aliases = aliases;
  return entry;
}

function modelOf(m: ModelInfo): ModelEntry {
  const entry: ModelEntry = {
    value: m.value,
    displayName: cut(m.displayName || m.value, CatalogLimits.modelName),
  };
  if (m.description) entry.description = cut(m.description, CatalogLimits.modelDescription);
  return entry;
}

/** The context's fill as Claude Code counts it; null for figures that make no sense. */
export function contextBody(u: SDKControlGetContextUsageResponse, at: number): SessionContext | null {
  const used = Math.round(u.totalTokens);
  const max = Math.round(u.maxTokens);
  if (!Number.isFinite(used) || !Number.isFinite(max) || used < 0 || max <= 0) return null;
  const percent = Number.isFinite(u.percentage) ? u.percentage : (used / max) * 100;
  const body: SessionContext = {
    usedTokens: used,
    maxTokens: max,
    percent: Math.min(100, Math.max(0, Math.round(percent))),
    at,
  };
  if (typeof u.model === "string" && u.model) body.model = u.model.slice(0, 256);
  const auto = u.autoCompactThreshold;
  if (u.isAutoCompactEnabled && typeof auto === "number" && auto > 0)
    body.autoCompactTokens = Math.round(auto);
  return body;
}

/** The command a message starts with (`/name` then a space or the end), or null. */
export function slashName(text: string): string | null {
  const m = /^\/([A-Za-z0-9][\w.:-]*)(?:\s|$)/.exec(text.trimStart());
  return m?.[1] ?? null;
}

/** Whether the CLI lists `name`, as a command's name or one of its aliases. */
export function listed(name: string, commands: readonly CommandEntry[]): boolean {
  return commands.some((c) => c.name === name || (c.aliases ?? []).includes(name));
}

export function unlistedText(name: string): string {
  return `/${name} is not among the commands Claude Code offers in this session, so it does not run as a command here (commands that need a terminal, such as /login, do not work headless). Claude Code got your message as written.`;
}

/** Why the bridge refuses a permission mode (the phone shows it beside its mode control). */
export function refusedModeText(value: unknown): string {
  if (value === "bypassPermissions")
    return "Bypass permissions is not offered: Claude Code would have to be started with --dangerously-skip-permissions, which the bridge never does. The mode is unchanged.";
  const name = typeof value === "string" ? `"${value.slice(0, 40)}"` : "That value";
  return `${name} is not a permission mode the bridge accepts (${PermissionMode.options.join(", ")}). The mode is unchanged.`;
}

function cut(s: unknown, max: number): string {
  if (typeof s !== "string") return "";
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function parsed<T>(schema: { safeParse(x: unknown): { success: boolean; data?: T } }, x: unknown): T[] {
  const r = schema.safeParse(x);
  return r.success && r.data !== undefined ? [r.data] : [];
}
