/**
 * One session's counts, named as the bridge's counters are (docs/events.md: `sessionsResumed`,
 * `turnsFailed`, …), and why resuming it failed. The phone has them from machine.health, `tether
 * events --session` sums them from the event log.
 */
export type SessionTally = {
  counts: Readonly<Record<string, number>>;
  fallbackReasons?: readonly string[] | undefined;
};

/**
 * A session's life in a line, the same words on the phone and in the terminal, e.g. "resumed 3×,
 * fell back once: its transcript is missing, slept twice, cleared once · 12 turns, 1 failed ·
 * 4 prompts, 1 timed out". Empty when nothing happened yet. Pure.
 */
export function historyText(t: SessionTally): string {
  const c = (name: string) => t.counts[name] ?? 0;
  const life: string[] = [];
  if (c("sessionsResumed")) life.push(`resumed ${times(c("sessionsResumed"))}`);
  if (c("resumeFallbacks")) {
    const why = t.fallbackReasons?.length ? `: ${t.fallbackReasons.join("; ")}` : "";
    life.push(`fell back ${times(c("resumeFallbacks"))}${why}`);
  }
  if (c("sessionsSlept")) life.push(`slept ${times(c("sessionsSlept"))}`);
  if (c("transitions")) life.push(`cleared ${times(c("transitions"))}`);
  if (c("sessionErrors")) life.push(plural(c("sessionErrors"), "error"));
  const parts = life.length > 0 ? [life.join(", ")] : [];
  const turns = c("turnsOk") + c("turnsFailed");
  if (turns) parts.push(`${plural(turns, "turn")}${c("turnsFailed") ? `, ${c("turnsFailed")} failed` : ""}`);
  const prompts = c("promptsAsked");
  const timedOut = c("promptsTimedOut");
  if (prompts) parts.push(`${plural(prompts, "prompt")}${timedOut ? `, ${timedOut} timed out` : ""}`);
  return parts.join(" · ");
}

function times(k: number): string {
  return k === 1 ? "once" : k === 2 ? "twice" : `${k}×`;
}

function plural(k: number, word: string): string {
  return `${k} ${word}${k === 1 ? "" : "s"}`;
}
