import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type StatusRes, StatusRes as StatusSchema } from "../../bridge/control/control-api.ts";
import { readEvents } from "../../bridge/events/event-log.ts";
import type { LifecycleEvent } from "../../bridge/events/lifecycle-event.ts";
import type { BridgeWorld } from "./bridge-world.ts";

/** The running bridge's control API status (what `tether status --json` prints), without a child process. */
export async function bridgeStatus(world: BridgeWorld): Promise<StatusRes> {
  const control = JSON.parse(readFileSync(join(world.stateDir, "control.json"), "utf8"));
  const res = await fetch(`http://127.0.0.1:${control.port}/v1/status`, {
    headers: { authorization: `Bearer ${control.secret}` },
  });
  return StatusSchema.parse(await res.json());
}

/** The bridge's event log as the files hold it (docs/events.md), only `room`'s events when given. */
export function eventsOf(world: BridgeWorld, room?: string): LifecycleEvent[] {
  const all = readEvents(join(world.stateDir, "events"));
  return room === undefined ? all : all.filter((e) => "room" in e && e.room === room);
}

/** The log as one line per event, with what a person reading `tether events` would check. */
export function story(events: LifecycleEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case "session.resumed":
        return `${e.type} ${e.from}`;
      case "session.slept":
        return `${e.type} ${e.why}`;
      case "session.fallback":
        return `${e.type} ${e.reason}`;
      case "turn.ended":
        return `${e.type} ${e.subtype}`;
      case "prompt.asked":
        return `${e.type} ${e.kind}`;
      case "prompt.resolved":
        return `${e.type} ${e.by} ${e.decision}`;
      default:
        return e.type;
    }
  });
}

/** How much each counter grew from `before` to `after` (only those that did). */
export function grown(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    const d = n - (before[name] ?? 0);
    if (d !== 0) out[name] = d;
  }
  return out;
}
