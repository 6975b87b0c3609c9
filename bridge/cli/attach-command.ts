import { AttachError, attachSession, listSessions, resolveSession } from "../attach/attach.ts";
import { type Login, loadLogins } from "../attach/login-store.ts";
import { defaultStateDir } from "../config.ts";
import { CliError, parseFlags } from "./options.ts";
import { table } from "./table.ts";

const HELP = `Usage: tether attach [SESSION] [--machine ID] [--state-dir DIR]

Follows and steers a session from this terminal, like the phone app: its transcript from the
start, Claude's text as it streams, and a composer. Prompts, questions and plans are answered with
the keyboard (y / a / n, an option's number, your own words). Typed messages are kept on disk
until the relay has them. Works for any machine this terminal logged in to with "tether login".

SESSION is a room id (s-…), a Claude session id, a unique start of either, or a unique part of
the session's title. Without it, the sessions of every logged-in machine are listed.

Inside: /help, /interrupt (stop Claude's turn), /quit or Ctrl-D (leave; the session goes on).

  --machine ID       only this machine (its id, as "tether login" printed it)
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
`;

export async function attachCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { machine: { type: "string" }, "state-dir": { type: "string" } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new CliError(`give at most one session\n\n${HELP}`);
  const stateDir = values["state-dir"] ?? defaultStateDir();
  const logins = chosen(loadLogins(stateDir), values.machine);
  try {
    const [wanted] = positionals;
    if (wanted === undefined) return await printSessions(logins, stateDir);
    const { login, session } = await resolveSession(logins, stateDir, wanted);
    return await attachSession(login, stateDir, session, {
      input: process.stdin,
      out: (t) => process.stdout.write(t),
      tty: process.stdin.isTTY === true,
    });
  } catch (err) {
    if (err instanceof AttachError) throw new CliError(err.message, 1);
    throw err;
  }
}

function chosen(logins: Login[], machine: string | undefined): Login[] {
  if (logins.length === 0)
    throw new CliError(
      'this terminal is not logged in to any machine: run "tether login LINK" with a link from "tether pair"',
    );
  if (machine === undefined) return logins;
  const one = logins.filter((l) => l.machineId === machine);
  if (one.length === 0)
    throw new CliError(
      `not logged in to machine ${machine}; logged in: ${logins.map((l) => l.machineId).join(", ")}`,
    );
  return one;
}

async function printSessions(logins: Login[], stateDir: string): Promise<number> {
  const rows: string[][] = [];
  for (const login of logins)
    for (const s of await listSessions(login, stateDir))
      rows.push([s.room, login.machineId, s.state, s.origin ?? "", s.title, s.cwd]);
  if (rows.length === 0) process.stdout.write("No sessions on the logged-in machines yet.\n");
  else process.stdout.write(table(["ROOM", "MACHINE", "STATE", "ORIGIN", "TITLE", "CWD"], rows));
  return 0;
}
