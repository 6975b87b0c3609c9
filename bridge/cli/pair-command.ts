import { pairTarget } from "../../shared/core/pairing/pair-target.ts";
import { defaultStateDir } from "../config.ts";
import { type Bearer, explain } from "../control/relay-api.ts";
import { createPairingLink } from "../e2e/pairing-link.ts";
import { parseFlags, relayOrigin } from "./options.ts";
import { relayCall } from "./saved-bearer.ts";
import { showLink } from "./show-link.ts";
import { makeTerminal, type Terminal } from "./terminal.ts";

const HELP = `Usage: tether pair [--label LABEL] [--app URL] [--state-dir DIR] [--json]

Asks the relay for a one-time pairing code and prints the link and a QR code. Opening the link
on a phone pairs that phone with this machine (the code works once, for 10 minutes). Paired
phones are listed by "tether devices" and removed with "tether revoke ID".

  --label LABEL      a name for the phone, shown by "tether devices"
  --app URL          the relay whose app the phone already uses for other machines: the link
                     opens there and adds this machine to that app (that relay must list this
                     one in TETHER_PEER_RELAYS, or tether up --peer-relay)
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --json             print {"event":"pairing","url",...} instead of a QR code
`;

export async function pairCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    label: { type: "string" },
    app: { type: "string" },
    "state-dir": { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const app = values.app === undefined ? null : relayOrigin(values.app, "--app");
  const pairing = await relayCall(stateDir, (bearer) => createPairingLink(bearer, stateDir, values.label));
  const url = app === null ? pairing.url : `${app}${pairTarget(pairing.url, app)}`;
  await showLink(
    makeTerminal(values.json ?? false),
    "pairing",
    "Scan this code with your phone or open the link",
    {
      url,
      expiresAt: pairing.expiresAt,
    },
  );
  return 0;
}

/** For `tether up`: a failure is reported and the bridge goes on (pairing can be retried with `tether pair`). */
export async function printPairing(
  t: Terminal,
  bearer: Bearer,
  stateDir: string,
  heading: string,
): Promise<void> {
  const pairing = await createPairingLink(bearer, stateDir);
  if (!pairing.ok) {
    t.log.error(`could not create a pairing code: ${explain(pairing, bearer.relayUrl)}`);
    return;
  }
  await showLink(t, "pairing", heading, { url: pairing.value.url, expiresAt: pairing.value.expiresAt });
}
