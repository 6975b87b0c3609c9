import { stripControlCharsByLine } from "../../shared/protocol/index.ts";
import {
  type MemoryStatus,
  RevokeGrantRes,
  type StatusRes,
  StatusRes as StatusSchema,
} from "../control/control-api.ts";
import { formatBytes } from "../session/memory-budget.ts";
import { askBridge } from "./ask-bridge.ts";
import { countersText } from "./counters-text.ts";
import { CliError, parseFlags } from "./options.ts";
import { table } from "./table.ts";

const HELP = `Usage: tether status [--state-dir DIR] [--json]
       tether status --revoke-grant RULE --room ROOM

Shows the running bridge (from "tether up" or "tether bridge"): its relay connection, the
messages still queued for the relay per room (outbox), its sessions, live or sleeping, what
"Allow for this session" granted in each (RULE and what it allows), the live Claude processes'
memory against --max-live-memory, and the sessions last put to sleep for it or for the
live-process cap (--max-live). Then the counters, each as
since start/since install: sessions created, ended, resumed, fallbacks to a fresh start, slept,
woken, /clear transitions; turns ok and failed; prompts asked and how they were settled; relay
reconnects and the longest outage; pushes the relay sent, failed (404/410 included) and retried
for this machine, as the relay counts them (docs/events.md; "tether events" lists the events).
Exits with 1 when no bridge runs on the state dir.

  --state-dir DIR        state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --json                 the control API's answer as JSON
  --revoke-grant RULE    withdraw that grant of session ROOM at once (RULE as listed)
  --room ROOM            the session room of --revoke-grant
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    "state-dir": { type: "string" },
    json: { type: "boolean" },
    "revoke-grant": { type: "string" },
    room: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rule = values["revoke-grant"];
  if (rule !== undefined) {
    if (!values.room) throw new CliError("--revoke-grant needs --room ROOM", 2);
    const body = { room: values.room, rule };
    await askBridge(values["state-dir"], "POST", "/v1/grants/revoke", RevokeGrantRes, body);
    process.stdout.write(`Revoked in ${values.room}: ${rule}\n`);
    return 0;
  }
  const status = await askBridge(values["state-dir"], "GET", "/v1/status", StatusSchema);
  process.stdout.write(values.json ? `${JSON.stringify(status)}\n` : render(status));
  return 0;
}

/** The status for a person; the machine's name and the relay URL are printed without control characters. */
export function render(s: StatusRes): string {
  const uptime = Math.round((Date.now() - s.startedAt) / 1000);
  const live = s.sessions.filter((x) => x.live).length;
  const sleeping = s.sessions.filter((x) => x.state === "sleeping").length;
  const waiting = s.sessions.filter((x) => x.state === "awaiting_permission").length;
  const lines = [
    `Bridge    pid ${s.pid}, up ${uptime}s, machine ${s.machineId} (${s.name})`,
    `Relay     ${s.relayUrl}${s.embedded ? " (embedded)" : ""}: ${s.relay.state}, epoch ${s.relay.epoch ?? "-"}`,
    `Sessions  ${s.sessions.length}: ${live} live, ${sleeping} sleeping, ${waiting} waiting for a permission answer`,
    ...(s.memory ? [`Memory    ${memoryLine(s.memory)}`] : []),
    ...(s.pushes?.lastAt ? [`Pushes    ${pushLine(s.pushes)}`] : []),
    "",
  ];
  const rooms = s.rooms.map((r) => [r.room, r.state, String(r.outboxDepth)]);
  const grants = s.sessions.flatMap((x) => (x.grants ?? []).map((g) => [x.room, g.rule, g.label]));
  const granted =
    grants.length > 0 ? `\nAllowed for the session:\n${table(["ROOM", "RULE", "ALLOWS"], grants)}` : "";
  const counters = s.counters ? `\n${countersText(s.counters)}\n` : "";
  return `${stripControlCharsByLine(lines.join("\n"))}\n${table(["ROOM", "LINK", "OUTBOX"], rooms)}${granted}${slept(s)}${sleptForCap(s)}${counters}`;
}

/** The relay's last push for this machine, and its last error (a push service's words, cut by the relay). */
function pushLine(p: NonNullable<StatusRes["pushes"]>): string {
  const at = p.lastAt ? new Date(p.lastAt).toISOString() : "-";
  return `last sent or tried ${at}${p.lastError ? `; last error: ${p.lastError}` : ""}`;
}

function memoryLine(m: MemoryStatus): string {
  if (m.budget === null) return "not measured on this platform (no /proc): only --max-live applies";
  const live = m.liveRss === null ? "not measured yet" : `${formatBytes(m.liveRss)} live`;
  return `${live} of a ${formatBytes(m.budget)} budget (live Claude processes and their children)`;
}

/** The sessions put to sleep for memory, and what they and all live processes held then. */
function slept(s: StatusRes): string {
  const rows = (s.memory?.slept ?? []).map((x) => [
    x.room,
    new Date(x.at).toISOString(),
    formatBytes(x.rss),
    `${formatBytes(x.total)} of ${formatBytes(x.budget)}`,
  ]);
  if (rows.length === 0) return "";
  return `\nSlept for memory (over budget; least recently used idle first):\n${table(["ROOM", "AT", "SESSION", "LIVE TOTAL"], rows)}`;
}

/** The sessions put to sleep so another could start within --max-live. */
function sleptForCap(s: StatusRes): string {
  if (!s.cap || s.cap.slept.length === 0) return "";
  const rows = s.cap.slept.map((x) => [x.room, new Date(x.at).toISOString()]);
  const head = `Slept for the live-process cap (--max-live ${s.cap.maxLive}; least recently used idle first):`;
  return `\n${head}\n${table(["ROOM", "AT"], rows)}`;
}
