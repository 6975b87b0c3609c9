import { andThen, done, dropped, finish, log, outcome, sessionId, status } from "./session-steps.ts";
import type { Effect, Held, Hold, Input, Machine, MachineEvent, Step, TurnOutcome } from "./session-types.ts";

export type * from "./session-types.ts";

/** What the CLI says when `--resume` names a session it has no transcript for. */
const NO_CONVERSATION = "No conversation found with session ID";

/**
 * What a held input's process is sent when it continues. The attempt that was stopped left the
 * input in Claude's transcript (the CLI keeps the user message, drops its own error reply from the
 * next request and joins the two user messages), so sending the text again would show it to
 * Claude twice; "continue" is what a person types there. A fresh session gets the text itself.
 */
export const CONTINUE_TEXT = "continue";

/** A session's machine when its runner is made; `ended` for an ended session opened to settle its inputs. */
export function initialMachine(life: "open" | "ended" = "open"): Machine {
  return { life, turn: { t: "idle" }, proc: null, queue: [], held: null, waits: 0, nextProc: 1 };
}

/**
 * One session's turn lifecycle: state × event → state + effects. Pure. The runtime performs the
 * effects in order and reports what came of them (and of Claude) as further events, one at a time.
 */
export function step(s: Machine, e: MachineEvent): Step {
  switch (e.t) {
    case "recover":
      return recover(s, e.started, e.pending, e.held, e.claudeSession);
    case "continue":
      return continueHeld(s);
    case "inputs":
      return inputs(s, e.pending);
    case "prepared":
      return prepared(s, e.inputMid, e.missing);
    case "prepare_failed":
      return preparing(s, e.inputMid) ? failed(s, e.error) : done(s);
    case "init":
      return isCurrent(s, e.proc) ? done(s, [sessionId(s, e.sessionId)]) : done(s);
    case "reset":
      return reset(s, e.proc);
    case "result":
      return result(s, e.proc, e.sessionId, e.outcome);
    case "exited":
      return exited(s, e.proc, e.error);
    case "waits":
      return waits(s, e.count);
    case "interrupt":
      return interrupt(s);
    case "interrupt_unanswered":
      return unanswered(s, e.proc, e.inputMid);
    case "sleep":
      return sleep(s);
    case "end":
      return end(s);
    case "stop":
      return stop(s);
    case "failed":
      return failed(s, e.error);
  }
}

/** Counted by the live-process cap: a process, or one about to be started. */
export function holdsProcess(s: Machine): boolean {
  return s.proc !== null || s.turn.t === "starting";
}

/** A live process nothing needs: the first to go when the cap is reached. */
export function canSleep(s: Machine): boolean {
  return s.proc !== null && !s.proc.closing && s.turn.t === "idle" && s.waits === 0;
}

/** The process that takes commands (mode, model) now, if any. */
export function liveProc(s: Machine): number | null {
  return s.proc && !s.proc.closing ? s.proc.id : null;
}

export function turnInput(s: Machine): Input | null {
  return s.turn.t === "idle" ? null : s.turn.input;
}

/** Inputs the previous bridge process had started are answered; a held one waits on; pending ones run. */
function recover(
  s: Machine,
  started: Input[],
  pending: Input[],
  held: Held | null,
  claudeSession: boolean,
): Step {
  const restarted = outcome("error_bridge_restarted", "the bridge restarted during this turn");
  const effects = started.flatMap((input) => finish(input, restarted));
  if (held && s.life === "ended")
    effects.push(...finish(held.input, outcome("session_ended", "the session ended")));
  else if (held) effects.push({ t: "hold", held });
  else effects.push(...status(s, claudeSession ? "sleeping" : "idle"));
  const state = held && s.life !== "ended" ? { ...s, held } : s;
  return andThen(done(state, effects), (x) => inputs(x, pending));
}

function inputs(s: Machine, pending: Input[]): Step {
  if (s.life === "ended") return done({ ...s, queue: [] }, pending.flatMap(dropped));
  // Also while stopping: nothing starts, but an end meanwhile must still answer them.
  const current = turnInput(s)?.mid;
  return next({ ...s, queue: pending.filter((i) => i.mid !== current) });
}

/** When nothing runs and nothing is held: announce the next input, then start it. */
function next(s: Machine): Step {
  const input = s.queue[0];
  if (s.life !== "open" || s.turn.t !== "idle" || s.held || !input) return done(s);
  const announce: Effect[] = input.kind === "command" ? [] : [{ t: "turn_started", input }];
  return begin({ ...s, queue: s.queue.slice(1) }, input, false, announce);
}

/** The held input runs again; its turn.started was sent when it first ran. */
function continueHeld(s: Machine): Step {
  const held = s.held;
  if (!held || s.life !== "open" || s.turn.t !== "idle") return done(s);
  return begin({ ...s, held: null }, held.input, true, []);
}

/** Hands the input to the live process, or gets one. */
function begin(s: Machine, input: Input, again: boolean, announce: Effect[]): Step {
  const effects: Effect[] = [
    ...announce,
    { t: "mark", mid: input.mid, state: "started" },
    ...status(s, "running"),
    { t: "idle_timer", arm: false },
  ];
  if (s.proc && !s.proc.closing)
    return andThen(done(s, effects), (x) => hand(x, input, s.proc!.id, false, again));
  // A process on its way out (idle sleep, an unanswered interrupt) is awaited, never reused.
  if (s.proc)
    return done({ ...s, turn: { t: "starting", input, waitFor: "exit", interrupt: false, again } }, effects);
  const turn = { t: "starting", input, waitFor: "prepare", interrupt: false, again } as const;
  return done({ ...s, turn }, [...effects, { t: "prepare", inputMid: input.mid }]);
}

/** The turn is still waiting for this preparation (not ended, not shutting down meanwhile). */
function preparing(s: Machine, inputMid: string): boolean {
  const t = s.turn;
  return s.life === "open" && t.t === "starting" && t.waitFor === "prepare" && t.input.mid === inputMid;
}

function prepared(s: Machine, inputMid: string, missing: boolean): Step {
  const t = s.turn;
  // No process is started for a turn that ended meanwhile.
  if (t.t !== "starting" || !preparing(s, inputMid)) return done(s);
  const fresh: Effect[] = missing ? [{ t: "started_fresh", inputMid, why: "its transcript is missing" }] : [];
  const spawned = andThen(done(s, fresh), (x) => spawn(x, t.input, missing, t.again));
  return t.interrupt ? andThen(spawned, interrupt) : spawned;
}

function spawn(s: Machine, input: Input, fresh: boolean, again: boolean): Step {
  const id = s.nextProc;
  const state: Machine = { ...s, nextProc: id + 1, proc: { id, closing: false } };
  return andThen(done(state, [{ t: "spawn", proc: id }]), (x) => hand(x, input, id, fresh, again));
}

function hand(s: Machine, input: Input, proc: number, fresh: boolean, again: boolean): Step {
  const clearing = input.kind === "command";
  const turn = { t: "running", input, proc, clearing, resumeFailed: false, fresh, again } as const;
  const resent = !(again && !fresh);
  const text = resent ? input.text : CONTINUE_TEXT;
  // Claude already has the files of an input it continues.
  const attach = resent && input.files ? { attach: input.mid } : {};
  return done({ ...s, turn }, [{ t: "send", proc, text, ...attach }]);
}

function result(s: Machine, proc: number, id: string, o: TurnOutcome): Step {
  if (!isCurrent(s, proc)) return done(s);
  const t = s.turn;
  if (!o.ok && o.error?.includes(NO_CONVERSATION)) {
    // The process exits next; its exit starts afresh with the same input.
    return done(t.t === "running" ? { ...s, turn: { ...t, resumeFailed: true } } : s);
  }
  // A late result of a process being replaced is not the starting input's.
  if (t.t === "starting") return done(s, [sessionId(s, id)]);
  if (o.hold && t.t === "running" && s.life !== "ended" && t.input.kind !== "command")
    return andThen(done(s, [sessionId(s, id)]), (x) => hold(x, t.input, o.hold!));
  return andThen(done(s, [sessionId(s, id)]), (x) => endTurn(x, o));
}

/** The input is not spent: it waits, ahead of every other, until it continues (no turn.result yet). */
function hold(s: Machine, input: Input, why: Hold): Step {
  const held = { input, hold: why };
  const effects: Effect[] = [
    log("info", "turn held", { inputMid: input.mid, why: why.t }),
    { t: "hold", held },
    { t: "idle_timer", arm: true },
  ];
  return done({ ...s, turn: { t: "idle" }, held }, effects);
}

function exited(s: Machine, proc: number, error: string | null): Step {
  if (!isCurrent(s, proc)) return done(s);
  const gone: Machine = { ...s, proc: null };
  const t = s.turn;
  const logged: Effect[] = error ? [log("error", "claude process failed", { error })] : [];
  if (t.t === "starting") {
    if (s.life !== "open") return done(gone, logged);
    const turn = { ...t, waitFor: "prepare" } as const;
    return done({ ...gone, turn }, [...logged, { t: "prepare", inputMid: t.input.mid }]);
  }
  if (t.t === "idle") return andThen(done(gone, logged), (x) => afterExit(x, error));
  const cancel: Effect = { t: "cancel_prompts", reason: "the Claude process ended" };
  if (s.life === "open" && !t.fresh && (t.resumeFailed || error?.includes(NO_CONVERSATION))) {
    const fresh: Effect = { t: "started_fresh", inputMid: t.input.mid, why: "Claude could not resume it" };
    return andThen(done(gone, [cancel, fresh]), (x) => spawn(x, t.input, true, t.again));
  }
  const o = error
    ? outcome("error_process_exited", error)
    : outcome("interrupted", "the Claude process was stopped");
  const ended = andThen(done(gone, [cancel, ...logged]), (x) => endTurn(x, o));
  return andThen(ended, (x) => afterExit(x, error));
}

/** No process and nothing to run: the session sleeps, or shows the error that ended its process. */
function afterExit(s: Machine, error: string | null): Step {
  // A held input's status (waiting for …) stays until it continues.
  if (s.proc || s.turn.t !== "idle" || s.held) return done(s);
  return done(s, error ? status(s, "error", error) : status(s, "sleeping"));
}

function endTurn(s: Machine, o: TurnOutcome): Step {
  const input = turnInput(s);
  const effects: Effect[] = [
    ...(input ? finish(input, o) : []),
    ...status(s, "idle"),
    { t: "idle_timer", arm: true },
  ];
  return andThen(done({ ...s, turn: { t: "idle" } }, effects), next);
}

function reset(s: Machine, proc: number): Step {
  const t = s.turn;
  if (!isCurrent(s, proc) || t.t !== "running") return done(s);
  return done({ ...s, turn: { ...t, clearing: true } });
}

function waits(s: Machine, count: number): Step {
  const state = { ...s, waits: count };
  if (s.turn.t === "idle") return done(state);
  return done(state, status(s, count > 0 ? "awaiting_permission" : "running"));
}

/** Pending prompts end as cancelled and the CLI is asked to stop; before Claude has the input, later. */
function interrupt(s: Machine): Step {
  const t = s.turn;
  if (t.t === "idle" && s.held) return giveUp(s, s.held);
  if (t.t === "starting") return done({ ...s, turn: { ...t, interrupt: true } });
  if (t.t !== "running") return done(s);
  const effects: Effect[] = [{ t: "cancel_prompts", reason: "interrupted from the phone" }];
  if (!s.proc?.closing) effects.push({ t: "interrupt", proc: t.proc, inputMid: t.input.mid });
  return done(s, effects);
}

/** An interrupt while an input waits: the phone stopped waiting, so it ends; the next may run. */
function giveUp(s: Machine, held: Held): Step {
  const o = outcome("interrupted", "stopped from the phone while it waited");
  const effects = [...finish(held.input, o), ...status(s, "idle")];
  return andThen(done({ ...s, held: null }, effects), next);
}

/** The same process, still on the same turn, is closed; never a later turn's. */
function unanswered(s: Machine, proc: number, inputMid: string): Step {
  const t = s.turn;
  if (t.t !== "running" || t.proc !== proc || t.input.mid !== inputMid || liveProc(s) !== proc)
    return done(s);
  const warn = log("warn", "interrupt was not answered in time; closing the Claude process", {});
  return done({ ...s, proc: { id: proc, closing: true } }, [warn, { t: "close", proc }]);
}

function sleep(s: Machine): Step {
  return canSleep(s) ? close(s) : done(s);
}

/** Final: the process goes, inputs that never ran get a notice, the room stays readable. */
function end(s: Machine): Step {
  if (s.life === "ended") return done(s);
  const t = s.turn;
  const effects: Effect[] = [{ t: "status", state: "ended" }];
  if (t.t === "starting") effects.push(...finish(t.input, outcome("session_ended", "the session ended")));
  if (s.held) effects.push(...finish(s.held.input, outcome("session_ended", "the session ended")));
  effects.push(...s.queue.flatMap(dropped), { t: "cancel_prompts", reason: "the session ended" });
  const turn = t.t === "starting" ? { t: "idle" as const } : t;
  return andThen(done({ ...s, life: "ended", turn, queue: [], held: null }, effects), close);
}

/** The bridge shuts down: processes go, nothing new starts; started inputs are settled at the next start. */
function stop(s: Machine): Step {
  return close(s.life === "open" ? { ...s, life: "stopped" } : s);
}

/** The turn at hand ends with the error; its process goes too, so its late result is not taken for the next input's. */
function failed(s: Machine, error: string): Step {
  const input = turnInput(s);
  const effects = input ? finish(input, outcome("error_bridge", error)) : [];
  const cleared = done({ ...s, turn: { t: "idle" } }, [...effects, ...status(s, "error", error)]);
  return andThen(s.turn.t === "running" ? andThen(cleared, close) : cleared, next);
}

function close(s: Machine): Step {
  if (!s.proc || s.proc.closing) return done(s);
  return done({ ...s, proc: { ...s.proc, closing: true } }, [{ t: "close", proc: s.proc.id }]);
}

function isCurrent(s: Machine, proc: number): boolean {
  return s.proc?.id === proc;
}
