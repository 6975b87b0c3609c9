import { historyText } from "../../shared/core/events/history-text.ts";
import { countsOf } from "./event-counts.ts";
import type { LifecycleEvent } from "./lifecycle-event.ts";

/**
 * One session's life in a line, in the phone's words (`historyText`), between when it was created
 * and how it ended, e.g. "created 3 h ago · resumed 3×, fell back once: its transcript is missing,
 * slept 2×, cleared once · 12 turns, 1 failed · 4 prompts, 1 timed out · ended (ended from the
 * phone)". Its counts are summed by the counters' own function, so they match the phone's. Pure.
 */
export function historyLine(events: readonly LifecycleEvent[], now: number): string {
  const counts: Record<string, number> = {};
  for (const e of events)
    for (const [name, n] of Object.entries(countsOf(e).add)) counts[name] = (counts[name] ?? 0) + n;
  const reasons = events.flatMap((e) => (e.type === "session.fallback" ? [e.reason] : []));
  const created = events.find((e) => e.type === "session.created");
  const ended = events.find((e) => e.type === "session.ended");
  return [
    created ? `created ${ago(now - created.at)}` : "",
    historyText({ counts, fallbackReasons: [...new Set(reasons)] }),
    ended?.type === "session.ended" ? `ended (${ended.reason})` : "",
  ]
    .filter((part) => part !== "")
    .join(" · ");
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
