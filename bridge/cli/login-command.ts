import { LoginError, login, parsePairingLink } from "../attach/login.ts";
import { defaultStateDir } from "../config.ts";
import { CliError, durationMs, parseFlags } from "./options.ts";

const HELP = `Usage: tether login LINK [--label LABEL] [--wait 60s] [--state-dir DIR]

Pairs this terminal with a machine, as a phone pairs: LINK is a pairing link from "tether pair"
(or the phone app's pairing screen) on that machine, which may be this one or another. The
terminal gets its own device credential and end-to-end key, kept private in the state dir; then
"tether attach" follows and steers that machine's sessions from here. "tether devices" on the
machine lists this terminal under its label; "tether revoke" removes it.

  --label LABEL      what "tether devices" calls this terminal (default: tether attach on HOST)
  --wait DURATION    how long to wait for the bridge to grant the keys (default 60s; the grant
                     still comes later if the bridge is down now)
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
`;

export async function loginCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { label: { type: "string" }, wait: { type: "string" }, "state-dir": { type: "string" } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [text, ...extra] = positionals;
  if (!text || extra.length > 0) throw new CliError(`give one pairing link\n\n${HELP}`);
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const waitMs = values.wait === undefined ? 60_000 : durationMs(values.wait, "--wait");
  try {
    const link = parsePairingLink(text);
    const r = await login({
      link,
      stateDir,
      waitMs,
      ...(values.label === undefined ? {} : { label: values.label }),
      say: (t) => process.stderr.write(`${t}\n`),
    });
    const where = `machine ${r.login.machineId} on ${r.login.relay}`;
    if (r.granted) process.stdout.write(`Logged in to ${where}. Next: tether attach\n`);
    else
      process.stdout.write(
        `Paired with ${where}, but its bridge has not granted the keys yet (is it running?).\n` +
          "They come when it runs; tether attach waits for them.\n",
      );
    return 0;
  } catch (err) {
    if (err instanceof LoginError) throw new CliError(err.message, 1);
    throw err;
  }
}
