import {
  type Effect,
  type Input,
  initialMachine,
  type Machine,
  type MachineEvent,
  step,
  type TurnOutcome,
} from "../../bridge/session/session-machine.ts";

export const msg = (mid: string, text = `text of ${mid}`): Input => ({ mid, text, kind: "message" });
export const clear = (mid: string): Input => ({ mid, text: "/clear", kind: "command" });
export const ok: TurnOutcome = { ok: true, subtype: "success", durationMs: 5, costUsd: 0.01, error: null };
export const NO_CONVERSATION = "No conversation found with session ID: 1234";

/** Steps through events; the effects of all of them, in order. */
export function run(
  events: MachineEvent[],
  from: Machine = initialMachine(),
): { state: Machine; effects: Effect[] } {
  let state = from;
  const effects: Effect[] = [];
  for (const e of events) {
    const s = step(state, e);
    state = s.state;
    effects.push(...s.effects);
  }
  return { state, effects };
}

/** The effects without logs and idle timers, which most tests do not care about. */
export function said(effects: Effect[]): Effect[] {
  return effects.filter((e) => e.t !== "log" && e.t !== "idle_timer");
}

/** A session whose process 1 is running input `a`. */
export function runningA(): Machine {
  return run([
    { t: "inputs", pending: [msg("a")] },
    { t: "prepared", inputMid: "a", missing: false },
  ]).state;
}
