import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  HOOK_MARKER,
  installedEvents,
  installHooks,
  type JsonObject,
  type MergeResult,
  TETHER_HOOK_EVENTS,
  type TetherHookEvent,
  uninstallHooks,
} from "../hooks/hook-settings.ts";
import { CliError, parseFlags } from "./options.ts";

const HELP = `Usage: tether hooks install|uninstall|status [--state-dir DIR] [--config-dir DIR] [--json]

Terminal sessions on the phone (opt-in): "install" adds Tether's hooks to your Claude Code user
settings, so every \`claude\` you start in a terminal under the bridge's roots shows on the phone
while a bridge runs, with its transcript, and its permission prompts answerable there (the
terminal can still answer; the first answer wins). Your own hooks and settings are kept;
"uninstall" removes only Tether's entries (their commands end with "${HOOK_MARKER}"). With no
bridge running the hooks exit at once and Claude Code behaves as without them (docs/hooks.md).

  --state-dir DIR    the bridge's state dir the hooks talk to (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --config-dir DIR   Claude Code's config dir (env CLAUDE_CONFIG_DIR, default ~/.claude): DIR/settings.json
  --json             print the outcome as JSON
`;

export async function hooksCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { "state-dir": { type: "string" }, "config-dir": { type: "string" }, json: { type: "boolean" } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (!action || extra.length > 0 || !["install", "uninstall", "status"].includes(action))
    throw new CliError(`expected install, uninstall or status\n\n${HELP}`);
  const configDir = values["config-dir"] ?? process.env.CLAUDE_CONFIG_DIR ?? join(homedir(), ".claude");
  const file = join(resolve(configDir), "settings.json");
  const current = readSettings(file);
  if (action === "status") return report(file, installedEvents(current.settings), false, values.json);
  const stateDir = values["state-dir"] ? resolve(values["state-dir"]) : undefined;
  const merged: MergeResult =
    action === "install"
      ? installHooks(current.settings, (event) => hookCommand(event, stateDir))
      : uninstallHooks(current.settings);
  if (!merged.ok) throw new CliError(`${file}: ${merged.reason}; left as it is`, 1);
  if (merged.changed) writeSettings(file, merged.settings, current.mode);
  return report(file, installedEvents(merged.settings), merged.changed, values.json);
}

/** The shell command a hook runs: this very `tether`, by absolute paths, ending with the marker. */
export function hookCommand(event: TetherHookEvent, stateDir: string | undefined): string {
  const script = process.argv[1] ?? "";
  const flags = script.endsWith(".ts") ? ["--disable-warning=ExperimentalWarning"] : [];
  const words = [process.execPath, ...flags, script, "hook", event];
  if (stateDir) words.push("--state-dir", stateDir);
  return `${words.map(shellQuote).join(" ")} ${HOOK_MARKER}`;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

type Current = { settings: JsonObject; mode: number | null };

/** The settings document; a file that is not a JSON object is refused, never overwritten. */
function readSettings(file: string): Current {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { settings: {}, mode: null };
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 1);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${file} is not valid JSON (${(err as Error).message}); fix it first, it was not changed`,
      1,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CliError(`${file} is not a JSON object; it was not changed`, 1);
  return { settings: parsed as JsonObject, mode: statSync(file).mode & 0o777 };
}

/** Temp file + rename: Claude Code never reads a half-written settings file. */
function writeSettings(file: string, settings: JsonObject, mode: number | null): void {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: mode ?? 0o600, flush: true });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`, 1);
  }
}

function report(
  file: string,
  events: TetherHookEvent[],
  changed: boolean,
  json: boolean | undefined,
): number {
  const all = Object.keys(TETHER_HOOK_EVENTS);
  const state =
    events.length === 0 ? "not installed" : events.length === all.length ? "installed" : "partly installed";
  if (json) process.stdout.write(`${JSON.stringify({ settings: file, state, events, changed })}\n`);
  else process.stdout.write(`Tether hooks: ${state} in ${file}${changed ? " (updated)" : ""}\n`);
  return 0;
}
