import { Limits } from "../../shared/protocol/index.ts";
import { ShareRes } from "../control/control-api.ts";
import { askBridge } from "./ask-bridge.ts";
import { CliError, durationMs, parseFlags } from "./options.ts";
import { showLink } from "./show-link.ts";
import { makeTerminal } from "./terminal.ts";

const HELP = `Usage: tether share ROOM [--viewer | --controller] [--ttl DURATION] [--state-dir DIR] [--json]

Makes a link to one session (a room from "tether sessions") for someone else: a viewer may
read along, a controller may also type and answer permission prompts. Asked through the running
bridge, which holds the machine's token. "tether revoke ID" ends a share early.

  --viewer           read only (the default)
  --controller       may send messages and answer prompts
  --ttl DURATION     lifetime, e.g. 30m, 1h or 7d (default 7 days, at most 30 days)
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --json             print {"event":"share","url",...} instead of a QR code
`;

export async function shareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      viewer: { type: "boolean" },
      controller: { type: "boolean" },
      ttl: { type: "string" },
      "state-dir": { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [room, ...extra] = positionals;
  if (room === undefined || extra.length > 0)
    throw new CliError("expected one session room (see tether sessions)");
  if (values.viewer && values.controller) throw new CliError("--viewer and --controller exclude each other");
  const ttlSeconds = values.ttl === undefined ? undefined : Math.ceil(durationMs(values.ttl, "--ttl") / 1000);
  if (ttlSeconds !== undefined && (ttlSeconds < 1 || ttlSeconds > Limits.shareTtlMaxSeconds))
    throw new CliError(`--ttl: a share lives at most ${Limits.shareTtlMaxSeconds / 86_400} days (30d)`);
  const body = {
    room,
    role: values.controller ? "controller" : "viewer",
    ...(ttlSeconds ? { ttlSeconds } : {}),
  };
  const { id, url, expiresAt } = await askBridge(values["state-dir"], "POST", "/v1/shares", ShareRes, body);
  await showLink(makeTerminal(values.json ?? false), "share", `Share link ${id} (${body.role})`, {
    id,
    url,
    expiresAt,
  });
  return 0;
}
