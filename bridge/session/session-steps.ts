import type { Effect, Input, LogValue, Machine, SessionState, Step, TurnOutcome } from "./session-types.ts";

/** How the session machine writes its steps and effects. Pure. */

/** turn.result (commands have none), then the registry's record: a crash in between resends the same mid. */
export function finish(input: Input, o: TurnOutcome): Effect[] {
  const fields = { inputMid: input.mid, ok: o.ok, subtype: o.subtype };
  return [
    log("info", "turn finished", fields),
    ...(input.kind === "command" ? [] : [{ t: "turn_result", inputMid: input.mid, outcome: o } as const]),
    { t: "mark", mid: input.mid, state: "done" },
  ];
}

/** A notice for a message that never ran (commands have none), then the registry's record. */
export function dropped(input: Input): Effect[] {
  return [
    ...(input.kind === "command" ? [] : [{ t: "ended_notice", inputMid: input.mid } as const]),
    { t: "mark", mid: input.mid, state: "done" },
  ];
}

/** A Claude session id seen while a /clear runs is a transition. */
export function sessionId(s: Machine, id: string): Effect {
  return { t: "session_id", sessionId: id, clearing: s.turn.t === "running" && s.turn.clearing };
}

/** Nothing but `ended` is published once a session has ended. */
export function status(s: Machine, state: SessionState, detail?: string): Effect[] {
  if (s.life === "ended") return [];
  return [detail === undefined ? { t: "status", state } : { t: "status", state, detail }];
}

/** A turn the bridge ends itself, not Claude. */
export function outcome(subtype: TurnOutcome["subtype"], error: string): TurnOutcome {
  return { ok: false, subtype, durationMs: 0, error };
}

export function log(
  level: "info" | "warn" | "error",
  message: string,
  fields: Record<string, LogValue>,
): Effect {
  return { t: "log", level, message, fields };
}

/** A step: the new state and what to do, in order. */
export function done(state: Machine, effects: Effect[] = []): Step {
  return { state, effects };
}

/** One step after another: the second starts from the first's state; their effects in order. */
export function andThen(a: Step, f: (s: Machine) => Step): Step {
  const b = f(a.state);
  return { state: b.state, effects: [...a.effects, ...b.effects] };
}
