import { join } from "node:path";
import { stripControlCharsByLine } from "../../shared/protocol/index.ts";
import { defaultStateDir } from "../config.ts";
import { readEvents } from "../events/event-log.ts";
import { historyLine } from "../events/history.ts";
import type { LifecycleEvent } from "../events/lifecycle-event.ts";
import { durationMs, parseFlags } from "./options.ts";

const HELP = `Usage: tether events [--session ROOM] [--since DURATION] [--json] [--state-dir DIR]

Prints what the bridge did, oldest first: sessions created, started, resumed (from sleep, after a
bridge restart), falling back to a fresh start (and why), slept and woken, /clear transitions,
ended and failed; each turn's result with its duration and time to first token; each prompt asked
and how it was settled (from the phone, elsewhere, timed out, cancelled) with its wait; relay
outages. Reads the event log in the state dir (events/), so it works while no bridge runs.
The log keeps 10 files of 1 MiB beside the current one, none older than 30 days (docs/events.md).

  --session ROOM      only this session's events, then a summary line of its life
  --since DURATION    only events of the last DURATION, e.g. 90s, 15m, 1h, 7d (default: all)
  --json              one JSON object per line, as stored
  --state-dir DIR     state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)

Counters since install and since the bridge started: tether status.
`;

export async function eventsCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    "state-dir": { type: "string" },
    session: { type: "string" },
    since: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const now = Date.now();
  const from = values.since === undefined ? 0 : now - durationMs(values.since, "--since");
  const room = values.session;
  const events = readEvents(join(values["state-dir"] ?? defaultStateDir(), "events")).filter(
    (e) => e.at >= from && (room === undefined || ("room" in e && e.room === room)),
  );
  if (values.json) {
    process.stdout.write(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
    return 0;
  }
  if (events.length === 0) {
    process.stdout.write(room ? `No events of session ${room}.\n` : "No events recorded.\n");
    return 0;
  }
  const lines = events.map(eventLine);
  if (room) lines.push("", historyLine(events, now));
  process.stdout.write(`${stripControlCharsByLine(lines.join("\n"))}\n`);
  return 0;
}

/** `2026-12-04 12:00:01.123  s-…  session.resumed  from=sleep claudeSessionId=…` */
function eventLine(e: LifecycleEvent): string {
  const { v: _v, seq: _seq, at, type, ...rest } = e;
  const room = "room" in rest ? String(rest.room) : "-";
  const fields = Object.entries(rest)
    .filter(([k]) => k !== "room")
    .map(([k, value]) => `${k}=${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
  const time = new Date(at).toISOString().replace("T", " ").replace("Z", "");
  return [time, room, type, fields.join(" ")].join("  ").trimEnd();
}
