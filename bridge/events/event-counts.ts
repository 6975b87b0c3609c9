import type { EventBody } from "./lifecycle-event.ts";

/**
 * What an event adds to the counters: `add` sums, `max` keeps the largest value seen. Pure, and the
 * only place counters are derived, so counters and the event log can never tell different stories
 * (a restart replays unapplied lines through this same function).
 */
export type Counts = { add: Record<string, number>; max: Record<string, number> };

const NONE: Counts = { add: {}, max: {} };

export function countsOf(e: EventBody): Counts {
  switch (e.type) {
    case "bridge.started":
      return add("bridgeStarts");
    case "bridge.stopped":
      return NONE;
    case "session.created":
      return add("sessionsCreated");
    case "session.started":
      return add("sessionsStarted");
    case "session.resumed":
      return add("sessionsResumed", `sessionsResumed.${e.from}`);
    case "session.fallback":
      return add("resumeFallbacks");
    case "session.slept":
      return add("sessionsSlept", `sessionsSlept.${e.why}`);
    case "session.woke":
      return add("sessionsWoken");
    case "session.transition":
      return add("transitions");
    case "session.ended":
      return add("sessionsEnded");
    case "session.error":
      return add("sessionErrors");
    case "turn.ended":
      return e.ok ? add("turnsOk") : add("turnsFailed", `turnsFailed.${e.subtype}`);
    case "prompt.asked":
      return add("promptsAsked", `promptsAsked.${e.kind}`);
    case "prompt.resolved":
      return promptCounts(e);
    case "relay.down":
      return add("relayOutages");
    case "relay.up":
      return {
        add: { relayReconnects: 1, relayOutageMs: e.outageMs },
        max: { relayLongestOutageMs: e.outageMs },
      };
  }
}

/** answered from the phone / elsewhere, timed out, cancelled; and questions and plans someone answered. */
function promptCounts(e: Extract<EventBody, { type: "prompt.resolved" }>): Counts {
  const name = {
    phone: "promptsAnsweredPhone",
    elsewhere: "promptsAnsweredElsewhere",
    timeout: "promptsTimedOut",
    cancelled: "promptsCancelled",
  }[e.by];
  const answered = e.by === "phone" || e.by === "elsewhere";
  if (answered && e.kind === "question") return add(name, "questionsAnswered");
  if (answered && e.kind === "plan") return add(name, "plansAnswered");
  return add(name);
}

/**
 * Events that name something which happens once (a turn's end, a prompt's answer, a session's
 * creation, end or /clear): a second recording of the same key, e.g. when a restart settles a turn
 * whose end was recorded just before the crash, is dropped. Others repeat by nature (null).
 */
export function onceKey(e: EventBody): string | null {
  switch (e.type) {
    case "session.created":
    case "session.ended":
      return `${e.type} ${e.room}`;
    case "session.fallback":
      return `${e.type} ${e.inputMid} ${e.fromClaudeSessionId ?? ""}`;
    case "session.transition":
      return `${e.type} ${e.room} ${e.from}`;
    case "turn.ended":
      return `${e.type} ${e.inputMid}`;
    case "prompt.asked":
    case "prompt.resolved":
      return `${e.type} ${e.requestId}`;
    default:
      return null;
  }
}

function add(...names: string[]): Counts {
  return { add: Object.fromEntries(names.map((n) => [n, 1])), max: {} };
}
