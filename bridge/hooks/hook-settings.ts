/**
 * The pure part of `tether hooks install|uninstall|status`: Tether's entries merged into, or taken
 * out of, a Claude Code settings document (docs/hooks.md). Everything else in the document is kept
 * as it was: other keys, other events, the user's own matchers and commands, their order.
 */

/** The shell comment that ends every command Tether installs: how its own entries are recognised. */
export const HOOK_MARKER = "# tether-hook";

/** The events Tether installs, with the per-command timeout (seconds) Claude Code is given. */
export const TETHER_HOOK_EVENTS = {
  SessionStart: 10,
  UserPromptSubmit: 10,
  PreToolUse: 10,
  PermissionRequest: 330,
  PostToolUse: 10,
  Notification: 10,
  Stop: 10,
  SessionEnd: 10,
} as const;
export type TetherHookEvent = keyof typeof TETHER_HOOK_EVENTS;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type MergeResult =
  | { ok: true; settings: JsonObject; changed: boolean }
  | { ok: false; reason: string };

/** Settings with Tether's hooks (and only one copy of them): `command(event)` builds each command. */
export function installHooks(settings: JsonObject, command: (event: TetherHookEvent) => string): MergeResult {
  const removed = uninstallHooks(settings);
  if (!removed.ok) return removed;
  const hooks: JsonObject = { ...asObject(removed.settings.hooks) };
  for (const [event, timeout] of Object.entries(TETHER_HOOK_EVENTS)) {
    const own: Json = {
      matcher: "*",
      hooks: [{ type: "command", command: command(event as TetherHookEvent), timeout }],
    };
    const list = hooks[event];
    if (list !== undefined && !Array.isArray(list))
      return { ok: false, reason: `"hooks.${event}" is not a list` };
    hooks[event] = [...(list ?? []), own];
  }
  const next = { ...removed.settings, hooks };
  return { ok: true, settings: next, changed: JSON.stringify(next) !== JSON.stringify(settings) };
}

/** Settings without Tether's entries; a matcher group or event left empty by that goes too. */
export function uninstallHooks(settings: JsonObject): MergeResult {
  const hooks = settings.hooks;
  if (hooks === undefined) return { ok: true, settings, changed: false };
  if (!isObject(hooks)) return { ok: false, reason: '"hooks" is not an object' };
  const next: JsonObject = {};
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      next[event] = groups;
      continue;
    }
    const kept = groups.flatMap((g) => withoutOwn(g));
    if (kept.length > 0 || groups.length === 0) next[event] = kept;
  }
  const out: JsonObject = { ...settings };
  if (Object.keys(next).length > 0 || Object.keys(hooks).length === 0) out.hooks = next;
  else delete out.hooks;
  return { ok: true, settings: out, changed: JSON.stringify(out) !== JSON.stringify(settings) };
}

/** Which of Tether's events have one of its entries in these settings. */
export function installedEvents(settings: JsonObject): TetherHookEvent[] {
  const hooks = asObject(settings.hooks);
  return (Object.keys(TETHER_HOOK_EVENTS) as TetherHookEvent[]).filter((event) => {
    const groups = hooks[event];
    return Array.isArray(groups) && groups.some((g) => ownCommands(g).length > 0);
  });
}

export function isOwnCommand(command: string): boolean {
  return command.trimEnd().endsWith(HOOK_MARKER);
}

/** A matcher group without Tether's commands: [] when nothing else was in it. */
function withoutOwn(group: Json): Json[] {
  if (!isObject(group) || !Array.isArray(group.hooks)) return [group];
  if (ownCommands(group).length === 0) return [group];
  const rest = group.hooks.filter((h) => !isOwnEntry(h));
  return rest.length === 0 ? [] : [{ ...group, hooks: rest }];
}

function ownCommands(group: Json): Json[] {
  return isObject(group) && Array.isArray(group.hooks) ? group.hooks.filter(isOwnEntry) : [];
}

function isOwnEntry(entry: Json): boolean {
  return isObject(entry) && typeof entry.command === "string" && isOwnCommand(entry.command);
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asObject(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}
