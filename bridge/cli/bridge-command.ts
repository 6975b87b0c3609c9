import { hostname } from "node:os";
import { type Caps, DEFAULT_CAPS, defaultStateDir, installCid, loadConfig } from "../config.ts";
import { memoryBudget } from "./memory-flag.ts";
import { CliError, durationMs, machineName, parseFlags, positiveInt, relayUrl } from "./options.ts";
import { runBridge, stopOnSignals } from "./run-bridge.ts";
import { makeTerminal } from "./terminal.ts";

const HELP = `Usage: tether bridge [options]

Runs the bridge in the foreground until SIGINT/SIGTERM: Claude Code sessions on this machine,
relayed to your phone. Options fall back to the environment, then to what "tether init" saved.

  --relay URL               relay origin (env TETHER_RELAY_URL)
  --token TOKEN             bridge token (env TETHER_BRIDGE_TOKEN)
  --machine ID              machine id (env TETHER_MACHINE_ID)
  --name NAME               machine name shown on the phone (default: hostname)
  --state-dir DIR           state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --root DIR                a directory sessions may run in; repeatable
                            (env TETHER_ROOTS, colon-separated; default: the current directory)
  --idle-sleep DURATION     let an idle session's process go after this long (default 15m)
  --max-live N              at most N live Claude processes (default 10)
  --max-live-memory SIZE    live Claude processes (with their children) hold at most SIZE of
                            memory together, e.g. 512M, 2G, 1.5GiB or 25% of RAM; over it, the
                            least recently used idle session sleeps (env TETHER_MAX_LIVE_MEMORY,
                            default 25% of RAM; measured every 5s from /proc, Linux only)
  --max-sessions N          at most N sessions not ended (env TETHER_MAX_SESSIONS, default 20)
  --max-queued N            at most N inputs waiting per session (env TETHER_MAX_QUEUED, default 50)
  --permission-timeout DUR  deny a permission prompt nobody answered (default: never)
  --no-auto-continue        a message stopped by a usage limit waits for "Continue" on the
                            phone instead of continuing by itself after the reset
  --json                    JSON log lines (and no status line)

While it runs, "tether status", "tether sessions" and "tether share" talk to it through a local
control API on 127.0.0.1 (port and secret in <state dir>/control.json, mode 0600).
The Claude CLI gets this process's environment unchanged (ANTHROPIC_*, CLAUDE_CONFIG_DIR, ...).
`;

export async function bridgeCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    relay: { type: "string" },
    token: { type: "string" },
    machine: { type: "string" },
    ...BRIDGE_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env = process.env;
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const saved = loadConfig(stateDir);
  const relay = values.relay ?? env.TETHER_RELAY_URL ?? saved?.relayUrl;
  const token = values.token ?? env.TETHER_BRIDGE_TOKEN ?? saved?.token;
  const machineId = values.machine ?? env.TETHER_MACHINE_ID ?? saved?.machineId;
  if (!relay || !token || !machineId) {
    throw new CliError(
      "no relay configured: run `tether init --relay URL` (relay secret in TETHER_RELAY_SECRET or typed when asked) first, or pass --relay, --token and --machine",
    );
  }
  const terminal = makeTerminal(values.json ?? false);
  const stopSignal = stopOnSignals(terminal);
  return runBridge({
    config: {
      relayUrl: relayUrl(relay),
      token,
      machineId,
      cid: saved?.cid ?? installCid(stateDir),
      name: machineName(values.name) ?? saved?.name ?? hostname(),
    },
    stateDir,
    ...bridgeTuning(values),
    terminal,
    embedded: false,
    stopSignal,
  });
}

/** The flags `tether bridge` and `tether up` share: name, state dir, session tuning, --json. */
export const BRIDGE_FLAGS = {
  name: { type: "string" },
  "state-dir": { type: "string" },
  root: { type: "string", multiple: true },
  "idle-sleep": { type: "string" },
  "max-live": { type: "string" },
  "max-live-memory": { type: "string" },
  "max-sessions": { type: "string" },
  "max-queued": { type: "string" },
  "permission-timeout": { type: "string" },
  "no-auto-continue": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export type TuningFlags = {
  root?: string[] | undefined;
  "idle-sleep"?: string | undefined;
  "max-live"?: string | undefined;
  "max-live-memory"?: string | undefined;
  "max-sessions"?: string | undefined;
  "max-queued"?: string | undefined;
  "permission-timeout"?: string | undefined;
  "no-auto-continue"?: boolean | undefined;
};

/** The session flags `tether bridge` and `tether up` share. */
export function bridgeTuning(values: TuningFlags, env: NodeJS.ProcessEnv = process.env) {
  return {
    // npm runs scripts in the package directory; INIT_CWD is where `npm start` was typed.
    roots:
      values.root ??
      (env.TETHER_ROOTS ? env.TETHER_ROOTS.split(":").filter(Boolean) : [env.INIT_CWD || process.cwd()]),
    idleSleepMs: values["idle-sleep"] ? durationMs(values["idle-sleep"], "--idle-sleep") : 15 * 60_000,
    maxLive: values["max-live"] ? positiveInt(values["max-live"], "--max-live") : 10,
    maxLiveMemory: memoryBudget(values["max-live-memory"], env),
    caps: capsOf(values, env),
    permissionTimeoutMs: values["permission-timeout"]
      ? durationMs(values["permission-timeout"], "--permission-timeout")
      : null,
    autoContinue: values["no-auto-continue"] !== true,
  };
}

function capsOf(values: TuningFlags, env: NodeJS.ProcessEnv): Caps {
  const maxSessions = values["max-sessions"] ?? env.TETHER_MAX_SESSIONS;
  const maxQueued = values["max-queued"] ?? env.TETHER_MAX_QUEUED;
  return {
    maxSessions: maxSessions ? positiveInt(maxSessions, "--max-sessions") : DEFAULT_CAPS.maxSessions,
    maxQueued: maxQueued ? positiveInt(maxQueued, "--max-queued") : DEFAULT_CAPS.maxQueued,
  };
}
