import { hostname } from "node:os";
import { Bridge } from "../bridge.ts";
import { defaultStateDir, loadConfig, newId } from "../config.ts";
import { makeLogger } from "../log.ts";
import { CliError, durationMs, parse, positiveInt, relayUrl } from "./options.ts";

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
  --permission-timeout DUR  deny a permission prompt nobody answered (default: never)
  --json                    JSON log lines

The Claude CLI gets this process's environment unchanged (ANTHROPIC_*, CLAUDE_CONFIG_DIR, ...).
`;

export async function bridgeCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    relay: { type: "string" },
    token: { type: "string" },
    machine: { type: "string" },
    name: { type: "string" },
    "state-dir": { type: "string" },
    root: { type: "string", multiple: true },
    "idle-sleep": { type: "string" },
    "max-live": { type: "string" },
    "permission-timeout": { type: "string" },
    json: { type: "boolean" },
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
      "no relay configured: run `tether init --relay URL --secret SECRET` first, or pass --relay, --token and --machine",
    );
  }
  const log = makeLogger(values.json ?? false);
  let exitCode = 0;
  let stopping = false;
  const done = Promise.withResolvers<void>();
  const bridge = new Bridge({
    relayUrl: relayUrl(relay),
    token,
    machineId,
    cid: saved?.cid ?? newId("br", 12),
    name: values.name ?? saved?.name ?? hostname(),
    stateDir,
    roots: values.root ?? (env.TETHER_ROOTS ? env.TETHER_ROOTS.split(":").filter(Boolean) : [process.cwd()]),
    idleSleepMs: values["idle-sleep"] ? durationMs(values["idle-sleep"], "--idle-sleep") : 15 * 60_000,
    maxLive: values["max-live"] ? positiveInt(values["max-live"], "--max-live") : 10,
    permissionTimeoutMs: values["permission-timeout"]
      ? durationMs(values["permission-timeout"], "--permission-timeout")
      : null,
    log,
    fatal: (message) => {
      log.error(message);
      exitCode = 3;
      stop();
    },
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    bridge.stop().then(done.resolve, done.reject);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  bridge.start();
  await done.promise;
  log.info("bridge stopped");
  return exitCode;
}
