import { stripControlChars } from "../../shared/core/util/text.ts";
import { CreateTokenRes } from "../../shared/protocol/index.ts";
import { defaultStateDir, loadConfig, newId, type SavedConfig, saveConfig } from "../config.ts";
import { Keyring } from "../e2e/keyring.ts";
import { boundedText, jsonOf } from "../http-body.ts";
import { securePrivateDir } from "../private-files.ts";
import { askSecret } from "./ask-secret.ts";
import { CliError, machineName, parseFlags, relayUrl } from "./options.ts";

const HELP = `Usage: tether init --relay URL [--name NAME] [--state-dir DIR] [--force]

Mints a bridge token for a new machine id on the relay (POST /api/tokens with the relay secret)
and saves relay URL, token and machine id in the state dir, so that "tether bridge" needs no flags.

The relay secret (TETHER_RELAY_SECRET of the Worker) is read from the environment variable
TETHER_RELAY_SECRET, or asked for at the terminal without echo. It is never taken as a flag:
--secret would leave it in the process list and the shell history, so it is refused.

  --relay URL        the relay's origin (env TETHER_RELAY_URL)
  --name NAME        a name for this machine (default: its hostname)
  --state-dir DIR    where Tether keeps its state (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --force            replace an existing configuration
`;

export async function initCommand(argv: string[]): Promise<number> {
  // Before parsing: a secret that starts with "-" would make the parser's error quote the flag instead.
  if (argv.some((a) => a === "--secret" || a.startsWith("--secret=")))
    throw new CliError(SECRET_FLAG_REFUSED);
  const { values } = parseFlags(argv, {
    relay: { type: "string" },
    name: { type: "string" },
    "state-dir": { type: "string" },
    force: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const relay = relayUrl(values.relay ?? process.env.TETHER_RELAY_URL ?? missing("--relay"));
  const secret = await relaySecret();
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const config = await initMachine({
    relay,
    secret,
    stateDir,
    name: machineName(values.name),
    force: values.force ?? false,
  });
  process.stdout.write(
    `Initialised machine ${config.machineId} on ${relay}.\nState: ${stateDir}\nNext: tether bridge\n`,
  );
  return 0;
}

export type InitOptions = {
  relay: string;
  secret: string;
  stateDir: string;
  name: string | undefined;
  force: boolean;
};

/** Registers a new machine id on the relay and saves what `tether bridge` needs. Used by `tether up` too. */
export async function initMachine(o: InitOptions): Promise<SavedConfig> {
  const existing = loadConfig(o.stateDir);
  if (existing && !o.force) {
    throw new CliError(
      `${o.stateDir} already holds machine ${existing.machineId} on ${existing.relayUrl}; use --force to replace it`,
    );
  }
  securePrivateDir(o.stateDir);
  const machineId = newId("mc", 12);
  const minted = await mintBridgeToken(o.relay, o.secret, machineId, o.name);
  const config: SavedConfig = {
    relayUrl: o.relay,
    token: minted.token,
    machineId,
    cid: newId("br", 12),
    ...(o.name ? { name: o.name } : {}),
  };
  saveConfig(o.stateDir, config);
  // The machine key, the root of end-to-end encryption (docs/protocol.md §12.2), from the start.
  const keyring = Keyring.inStateDir(o.stateDir);
  keyring.machine();
  keyring.close();
  return config;
}

async function mintBridgeToken(relay: string, secret: string, machineId: string, label: string | undefined) {
  let res: Response;
  try {
    res = await fetch(`${relay}/api/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "bridge", machineId, ...(label ? { label } : {}) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliError(
      `cannot reach the relay at ${relay}: ${(err as Error).cause ?? (err as Error).message}`,
      1,
    );
  }
  if (res.status === 401)
    throw new CliError("the relay refused the secret (401): check TETHER_RELAY_SECRET", 1);
  const text = await boundedText(res, { ms: 30_000, maxBytes: 1 << 20 }).catch((err: Error) => {
    throw new CliError(`the relay's answer to POST /api/tokens failed: ${err.message}`, 1);
  });
  if (res.status !== 201)
    throw new CliError(`the relay answered ${res.status}: ${stripControlChars(text.slice(0, 300))}`, 1);
  const body = CreateTokenRes.safeParse(jsonOf(text));
  if (!body.success)
    throw new CliError(
      `${relay} does not look like a Tether relay (unexpected answer to POST /api/tokens)`,
      1,
    );
  return body.data;
}

const SECRET_HOW =
  "set TETHER_RELAY_SECRET in the environment (e.g. read -rs TETHER_RELAY_SECRET && export TETHER_RELAY_SECRET), or run tether init at a terminal to be asked for it";

const SECRET_FLAG_REFUSED = `--secret is refused: a secret on the command line shows in the process list and the shell history; ${SECRET_HOW}`;

/** TETHER_RELAY_SECRET, or asked for at the terminal without echo. */
async function relaySecret(): Promise<string> {
  const fromEnv = process.env.TETHER_RELAY_SECRET;
  if (fromEnv) return fromEnv;
  const typed = await askSecret("Relay secret (not shown): ", SECRET_HOW);
  if (typed === "") throw new CliError(`no relay secret given: ${SECRET_HOW}`);
  return typed;
}

function missing(flag: string): never {
  throw new CliError(`${flag} is required (see --help)`);
}
