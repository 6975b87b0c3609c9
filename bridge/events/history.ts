import type { LifecycleEvent } from "./lifecycle-event.ts";

/**
 * One session's life in a line, e.g. "created 3 h ago · resumed 3×, fell back once (its transcript
 * is missing), slept 2×, 1 /clear · 12 turns, 1 failed · 4 prompts, 1 timed out". Pure.
 */
export function historyLine(events: readonly LifecycleEvent[], now: number): string {
  const n = (type: LifecycleEvent["type"]) => events.filter((e) => e.type === type).length;
  const created = events.find((e) => e.type === "session.created");
  const parts: string[] = [];
  if (created) parts.push(`created ${ago(now - created.at)}`);
  const life: string[] = [];
  const fallbacks = events.flatMap((e) => (e.type === "session.fallback" ? [e.reason] : []));
  if (n("session.resumed") > 0) life.push(`resumed ${times(n("session.resumed"))}`);
  if (fallbacks.length > 0)
    life.push(`fell back ${times(fallbacks.length)}: ${[...new Set(fallbacks)].join("; ")}`);
  if (n("session.slept") > 0) life.push(`slept ${times(n("session.slept"))}`);
  if (n("session.transition") > 0) life.push(`cleared ${times(n("session.transition"))}`);
  if (n("session.error") > 0) life.push(`${n("session.error")} error${n("session.error") === 1 ? "" : "s"}`);
  if (life.length > 0) parts.push(life.join(", "));
  const turns = events.filter((e) => e.type === "turn.ended");
  const failed = turns.filter((e) => !e.ok).length;
  if (turns.length > 0)
    parts.push(`${turns.length} turn${turns.length === 1 ? "" : "s"}${failed ? `, ${failed} failed` : ""}`);
  const prompts = n("prompt.asked");
  const timedOut = events.filter((e) => e.type === "prompt.resolved" && e.by === "timeout").length;
  if (prompts > 0)
    parts.push(`${prompts} prompt${prompts === 1 ? "" : "s"}${timedOut ? `, ${timedOut} timed out` : ""}`);
  const ended = events.find((e) => e.type === "session.ended");
  if (ended?.type === "session.ended") parts.push(`ended (${ended.reason})`);
  return parts.join(" · ");
}

function times(k: number): string {
  return k === 1 ? "once" : k === 2 ? "twice" : `${k}×`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
