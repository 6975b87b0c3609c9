import { defaultStateDir } from "../config.ts";
import { controlCall } from "../control/control-client.ts";
import { claudePid } from "../hooks/claude-pid.ts";
import {
  BRIDGE_RUN_ENV,
  HookAnswer,
  HookEventName,
  HookInput,
  hookOutput,
  hookWaitMs,
} from "../hooks/hook-input.ts";
import { parseFlags } from "./options.ts";

const HELP = `Usage: tether hook EVENT [--state-dir DIR]

The command Claude Code runs for Tether's hooks (see "tether hooks install"; docs/hooks.md). It
reads the hook's JSON from stdin and hands it to the running bridge. For PermissionRequest it
prints the phone's answer; it waits at most 300 s for one, every other event at most 2 s. For Stop
it prints the messages the phone queued, if any, for Claude to go on with. With no bridge, bad
input or no answer in time it exits 0 without output: Claude Code then goes on as without the hook.

  --state-dir DIR    the bridge's state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
`;

/** Hook stdin larger than this is not a hook Tether understands: fail open. */
const MAX_STDIN = 4 << 20;

/**
 * Always exits 0: a hook must never break the terminal session it serves. Failures go to stderr
 * (Claude Code shows them only in its debug output) and mean "no decision".
 */
export async function hookCommand(argv: string[]): Promise<number> {
  let flags: ReturnType<typeof parseHookFlags>;
  try {
    flags = parseHookFlags(argv);
  } catch (err) {
    // Exit 2 would be a blocking answer to Claude Code: a bad command line fails open too.
    return failOpen((err as Error).message);
  }
  const { values, positionals } = flags;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // A Claude Code process the bridge runs itself: no terminal session, nothing to report.
  if (process.env[BRIDGE_RUN_ENV] === "1") return 0;
  const event = HookEventName.safeParse(positionals[0]);
  if (!event.success || positionals.length !== 1) return failOpen("expected one hook event name");
  const waitMs = hookWaitMs(event.data);
  // Whatever else happens (a stdin that never closes, a stuck socket): out before Claude Code's bound.
  setTimeout(() => process.exit(0), waitMs + 5_000).unref();
  try {
    const input = HookInput.safeParse(parseJson(await readStdin(MAX_STDIN)));
    if (!input.success || input.data.hook_event_name !== event.data) return failOpen("unexpected hook input");
    const stateDir = values["state-dir"] ?? defaultStateDir();
    // The pid is this hook's own finding, never taken from stdin.
    const { claude_pid: _ignored, ...fromCli } = input.data;
    const pid = claudePid();
    const report = pid === null ? fromCli : { ...fromCli, claude_pid: pid };
    const res = await controlCall(stateDir, "POST", "/v1/hooks", HookAnswer, report, waitMs);
    if (!res.ok) return failOpen(res.code === "not_running" ? "no bridge running" : `bridge: ${res.code}`);
    const out = hookOutput(event.data, res.value);
    if (out) process.stdout.write(`${out}\n`);
    return 0;
  } catch (err) {
    return failOpen(`unexpected error: ${(err as Error).message.slice(0, 200)}`);
  }
}

function parseHookFlags(argv: string[]) {
  return parseFlags(argv, { "state-dir": { type: "string" } }, true);
}

function failOpen(why: string): number {
  process.stderr.write(`tether hook: ${why}; no decision\n`);
  return 0;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** stdin as text, or null when it is larger than `max` bytes. */
async function readStdin(max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
