import { defaultStateDir } from "../config.ts";
import { ReconcileRes } from "../control/control-api.ts";
import { controlCall } from "../control/control-client.ts";
import { relayApi } from "../control/relay-api.ts";
import { CliError, parseFlags } from "./options.ts";
import { orFail, savedBearer } from "./saved-bearer.ts";

const HELP = `Usage: tether revoke ID [--state-dir DIR] [--force]

Revokes a paired phone or a share link (an ID from "tether devices"). Its open connections are
closed at once and it cannot connect again. Revoking a phone also revokes every share link that
phone made (they are listed).

  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --force            allow revoking this machine's own bridge token (the bridge stops working
                     until "tether init --force" registers it again)
`;

export async function revokeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { "state-dir": { type: "string" }, force: { type: "boolean" } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new CliError("expected one token ID (see tether devices)");
  const bearer = savedBearer(values["state-dir"]);
  const me = orFail(await relayApi.me(bearer), bearer.relayUrl);
  if (me.id === id && !values.force)
    throw new CliError(
      `${id} is this machine's own bridge token; revoking it cuts the bridge off (--force to do it anyway)`,
    );
  const revoked = await relayApi.revokeToken(bearer, id);
  if (!revoked.ok && revoked.code === "not_found")
    throw new CliError(`no token ${id} on this machine (see tether devices)`, 1);
  const { shares } = orFail(revoked, bearer.relayUrl);
  process.stdout.write(`${revokedLine(id, shares)}\n`);
  // The running bridge rotates the keys the revoked ones could read (docs/protocol.md §12.7); one
  // not running does it when it starts.
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const rotated = await controlCall(stateDir, "POST", "/v1/keys/reconcile", ReconcileRes, {});
  if (!rotated.ok && rotated.code !== "not_running")
    process.stderr.write(
      `The bridge could not rotate keys now (${rotated.message}); it will at its next check.\n`,
    );
  return 0;
}

function revokedLine(id: string, shares: string[]): string {
  if (shares.length === 0) return `Revoked ${id}.`;
  const links = shares.length === 1 ? "1 share link" : `${shares.length} share links`;
  return `Revoked ${id} and the ${links} it made: ${shares.join(", ")}.`;
}
