import { hostname } from "node:os";
import { join } from "node:path";
import { defaultStateDir, loadConfig, type SavedConfig, saveConfig } from "../config.ts";
import { relayApi } from "../control/relay-api.ts";
import { type EmbeddedRelay, startEmbeddedRelay } from "../embedded/embedded-relay.ts";
import { lanAddress } from "../embedded/ports.ts";
import { securePrivateDir } from "../private-files.ts";
import { BRIDGE_FLAGS, bridgeTuning } from "./bridge-command.ts";
import { initMachine } from "./init-command.ts";
import { CliError, machineName, parseFlags, portNumber, relayOrigin } from "./options.ts";
import { printPairing } from "./pair-command.ts";
import { runBridge, stopOnSignals } from "./run-bridge.ts";
import { plainHttpNote } from "./show-link.ts";
import { makeTerminal, type Terminal } from "./terminal.ts";

const HELP = `Usage: tether up [options]        (npm start -- [options])

Runs everything on this machine: the relay (the same Worker as on Cloudflare, in workerd, no
account needed) and the bridge. The first start registers this machine with that relay and
prints a pairing QR code and link for your phone. Ctrl-C stops both; the next start carries on
with the same machine, sessions, paired phones and history.

  --lan                     listen on this machine's private LAN address (192.168.x, 10.x,
                            172.16-31.x, 169.254.x or an IPv6 ULA; never a public one), so a
                            phone on the same network can open the link. Plain HTTP: use it
                            only on a network you trust; browsers allow the app no offline use
                            or notifications there, but it pairs and messages stay end-to-end
                            encrypted (default: 127.0.0.1, this machine only)
  --port N                  relay port (default: the last start's port, else 8787, else a free
                            one; an explicit port that is in use is an error; 0 = any free port)
  --peer-relay URL          another relay whose machines the app served here may reach
                            (one phone, machines on several relays); repeatable (env
                            TETHER_PEER_RELAYS, comma-separated; default: none)
  --name NAME               machine name shown on the phone (default: hostname)
  --state-dir DIR           state dir (env TETHER_STATE_DIR, default ~/.local/state/tether);
                            the relay keeps its data, secret and bundle in DIR/relay
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
  --json                    JSON log lines (and no status line or QR code)

For a relay on Cloudflare instead, see "tether init --help" and "tether bridge --help".
`;

export async function upCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    lan: { type: "boolean" },
    port: { type: "string" },
    "peer-relay": { type: "string", multiple: true },
    ...BRIDGE_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const tuning = bridgeTuning(values);
  const peers = peerRelayList(values["peer-relay"] ?? process.env.TETHER_PEER_RELAYS?.split(",") ?? []);
  const host = values.lan ? lanAddress() : "127.0.0.1";
  if (host === null)
    throw new CliError(
      "--lan: this machine has no private network address (RFC 1918, link-local or IPv6 ULA); a public one is never used, since --lan serves plain HTTP",
      1,
    );
  const t = makeTerminal(values.json ?? false);
  const stopSignal = stopOnSignals(t);
  securePrivateDir(stateDir);
  const started = await startEmbeddedRelay({
    stateDir,
    host,
    port: values.port === undefined ? null : portNumber(values.port, "--port"),
    log: t.log,
    peers,
  });
  if (!started.ok) throw new CliError(`${started.message}${NEXT_STEP[started.code]}`, 1);
  const relay = started.relay;
  try {
    t.log.info("relay started", { url: relay.url, bundle: relay.bundle.rebuilt ? "rebuilt" : "cached" });
    if (stopSignal.aborted) return 0;
    const machine = await ensureMachine(stateDir, relay, machineName(values.name));
    return await runBridge({
      config: { ...machine.config, name: values.name ?? machine.config.name ?? hostname() },
      stateDir,
      ...tuning,
      terminal: t,
      embedded: true,
      stopSignal,
      onStarted: () => welcome(t, relay, machine.config, stateDir, tuning.roots),
    });
  } finally {
    await relay.dispose();
  }
}

const NEXT_STEP = {
  locked: ": stop it first, or use another --state-dir",
  port_in_use: ": stop what uses it or pass another --port",
  web_build_failed: "",
} as const;

type Machine = { config: SavedConfig; created: boolean };

/**
 * First start: register a machine on the embedded relay. Later starts: the saved token must be
 * one this relay issued (the state dir may hold a remote relay's config); the relay URL is
 * updated when the port or address changed.
 */
async function ensureMachine(
  stateDir: string,
  relay: EmbeddedRelay,
  name: string | undefined,
): Promise<Machine> {
  const saved = loadConfig(stateDir);
  if (saved === null) {
    const config = await initMachine({
      relay: relay.url,
      secret: relay.secret,
      stateDir,
      name,
      force: false,
    });
    return { config, created: true };
  }
  const me = await relayApi.me({ relayUrl: relay.url, token: saved.token });
  if (!me.ok || me.value.machineId !== saved.machineId) throw await unknownMachine(stateDir, relay, saved);
  const config = saved.relayUrl === relay.url ? saved : { ...saved, relayUrl: relay.url };
  if (config !== saved) saveConfig(stateDir, config);
  return { config, created: false };
}

/** The saved token does not work here: revoked on this relay, or a config made for another relay. */
async function unknownMachine(stateDir: string, relay: EmbeddedRelay, saved: SavedConfig): Promise<CliError> {
  const all = await relayApi.listTokens({ relayUrl: relay.url, token: relay.secret });
  const known =
    all.ok && all.value.tokens.some((k) => k.kind === "bridge" && k.machineId === saved.machineId);
  if (known)
    return new CliError(
      `the local relay refused machine ${saved.machineId}'s bridge token (revoked). To register this machine ` +
        `again, remove ${join(stateDir, "config.json")} and start again (phones then pair anew).`,
      3,
    );
  return new CliError(
    `${stateDir} holds machine ${saved.machineId} of the relay at ${saved.relayUrl}, which the local relay does not know.\n` +
      "Use `tether bridge` for that relay, or `tether up --state-dir DIR` for a separate local setup.",
    1,
  );
}

async function welcome(
  t: Terminal,
  relay: EmbeddedRelay,
  config: SavedConfig,
  stateDir: string,
  roots: string[],
) {
  if (t.json)
    t.print(JSON.stringify({ event: "ready", url: relay.url, machineId: config.machineId, stateDir }));
  else
    t.print(
      `\nTether is up: relay ${relay.url} (embedded), machine ${config.machineId}.\n` +
        `Sessions may run in: ${roots.join(", ")}\nState: ${stateDir}\n`,
    );
  if (t.json && plainHttpNote(relay.url) !== "")
    t.log.warn(
      "the relay serves plain HTTP on the local network; use it only on a network you trust. " +
        "Offline use and notifications need HTTPS or 127.0.0.1: there the phone app works only while online " +
        "(pairing and end-to-end encryption work)",
      { url: relay.url },
    );
  const bearer = { relayUrl: relay.url, token: config.token };
  const tokens = await relayApi.listTokens(bearer);
  const now = Date.now();
  const paired = tokens.ok
    ? tokens.value.tokens.filter(
        (k) => k.kind === "device" && k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now),
      ).length
    : 0;
  if (paired > 0) {
    if (!t.json)
      t.print(
        `${paired} phone${paired === 1 ? " is" : "s are"} paired. Another one: tether pair\n${plainHttpNote(relay.url)}`,
      );
  } else await printPairing(t, bearer, stateDir, "Pair your phone: scan this code or open the link");
  if (!t.json && relay.host === "127.0.0.1")
    t.print(
      "Only this machine can open 127.0.0.1. For a phone on your network: tether up --lan (npm start -- --lan)\n",
    );
  if (!t.json) t.print("Ctrl-C stops the relay and the bridge.\n");
}

/** `--peer-relay` origins (or TETHER_PEER_RELAYS, comma-separated): http(s), no path. */
function peerRelayList(given: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of given.map((g) => g.trim()).filter(Boolean)) {
    const origin = relayOrigin(raw, "--peer-relay");
    if (!out.includes(origin)) out.push(origin);
  }
  return out;
}
