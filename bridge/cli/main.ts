import { bridgeCommand } from "./bridge-command.ts";
import { initCommand } from "./init-command.ts";
import { CliError } from "./options.ts";

const HELP = `tether: drive Claude Code sessions on this machine from your phone.

Usage: tether <command> [options]

Commands:
  init     mint a bridge token on a relay and save it (tether init --relay URL --secret SECRET)
  bridge   run the bridge in the foreground until Ctrl-C

Run "tether <command> --help" for the options of a command.
`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  bridge: bridgeCommand,
  init: initCommand,
};

/** The one boundary where the CLI turns errors into a message and an exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`tether: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`tether ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`tether ${name}: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
