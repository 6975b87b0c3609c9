import { enableCompileCache } from "node:module";
import { stripControlCharsByLine } from "../../shared/core/util/text.ts";
import { CliError } from "./options.ts";

const HELP = `tether: drive Claude Code sessions on this machine from your phone.

Usage: tether <command> [options]

Start here:
  up         run a local relay and the bridge, print a pairing QR code (npm start)

With a relay elsewhere (e.g. on Cloudflare):
  deploy     deploy the relay to Cloudflare, point this machine at it, print a pairing QR code
  init       mint a bridge token on a relay and save it (tether init --relay URL; the secret from TETHER_RELAY_SECRET or a prompt)
  bridge     run the bridge in the foreground until Ctrl-C

Phones and links:
  pair       print a new one-time pairing link and QR code
  devices    list paired phones and share links
  revoke     revoke a phone or share link: tether revoke ID

While a bridge runs (tether up or tether bridge):
  status     relay connection, queued messages per room, live and sleeping sessions, counters
  sessions   list sessions
  events     what the bridge did: tether events [--session ROOM] [--since 1h] [--json] (also when stopped)
  share      make a link to one session: tether share ROOM [--viewer|--controller] [--ttl 1h]

From another terminal (this machine or another one):
  login      pair this terminal like a phone: tether login LINK (a link from tether pair)
  attach     follow and steer a session here: tether attach [SESSION]

Terminal sessions on the phone (opt-in):
  hooks      install, uninstall or check Tether's Claude Code hooks: tether hooks install|uninstall|status
  hook       what those hooks run (reads the hook's JSON on stdin): tether hook EVENT

Run "tether <command> --help" for the options of a command.
`;

type Command = (argv: string[]) => Promise<number>;

/** Loaded on use: `tether up` pulls in Miniflare, which would slow every other command by 0.4 s. */
const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import("./up-command.ts")).upCommand,
  deploy: async () => (await import("./deploy-command.ts")).deployCommand,
  init: async () => (await import("./init-command.ts")).initCommand,
  bridge: async () => (await import("./bridge-command.ts")).bridgeCommand,
  pair: async () => (await import("./pair-command.ts")).pairCommand,
  devices: async () => (await import("./devices-command.ts")).devicesCommand,
  revoke: async () => (await import("./revoke-command.ts")).revokeCommand,
  status: async () => (await import("./status-command.ts")).statusCommand,
  sessions: async () => (await import("./sessions-command.ts")).sessionsCommand,
  events: async () => (await import("./events-command.ts")).eventsCommand,
  share: async () => (await import("./share-command.ts")).shareCommand,
  login: async () => (await import("./login-command.ts")).loginCommand,
  attach: async () => (await import("./attach-command.ts")).attachCommand,
  hooks: async () => (await import("./hooks-command.ts")).hooksCommand,
  hook: async () => (await import("./hook-command.ts")).hookCommand,
};

/** The one boundary where the CLI turns errors into a message and an exit code. */
export async function main(argv: string[]): Promise<number> {
  // V8's code cache on disk (tmpdir): Miniflare's 6 MB bundle then loads ~15 % faster.
  enableCompileCache();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`tether: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest);
  } catch (err) {
    if (err instanceof CliError) {
      // A message may quote the relay's answer: no control characters reach the terminal.
      process.stderr.write(`tether ${name}: ${stripControlCharsByLine(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`tether ${name}: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
