import { SessionsRes } from "../control/control-api.ts";
import { askBridge } from "./ask-bridge.ts";
import { parseFlags } from "./options.ts";
import { table } from "./table.ts";

const HELP = `Usage: tether sessions [--state-dir DIR] [--json]

Lists the sessions of the running bridge: room, state, whether a Claude process is live for it,
title and directory. "tether share ROOM" makes a link to one.

  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --json             the control API's answer as JSON
`;

export async function sessionsCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { "state-dir": { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const answer = await askBridge(values["state-dir"], "GET", "/v1/sessions", SessionsRes);
  const { sessions } = answer;
  if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else if (sessions.length === 0) process.stdout.write("No sessions yet. Start one from the phone app.\n");
  else
    process.stdout.write(
      table(
        ["ROOM", "STATE", "PROCESS", "TITLE", "CWD"],
        sessions.map((s) => [s.room, s.state, s.live ? "live" : "-", s.title, s.cwd]),
      ),
    );
  return 0;
}
