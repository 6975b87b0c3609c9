import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_CONVERSATION, World } from "../../tests/support/session-world.ts";
import type { TurnOutcome } from "./session-machine.ts";

/**
 * The session machine against a model of everything around it: the registry (inputs by mid,
 * surviving crashes), the relay (stores a mid once), Claude processes (answer what they were
 * handed, in order; crash; get stuck on interrupts) and the bridge itself (fails, stops, is killed
 * between two effects). After random events the world settles the way time would, and every input
 * must have had exactly one turn.started and one turn.result, or a notice naming it.
 */
const OPS = [
  "message",
  "clear",
  "replay",
  "prepared",
  "prepare_fails",
  "init",
  "reset",
  "result",
  "stray_result",
  "exit",
  "ask",
  "answer",
  "interrupt",
  "interrupt_reply",
  "sleep",
  "end",
  "stop",
  "crash",
  "crash_between_effects",
  "fail",
  "limited",
  "continue",
] as const;
type Op = { op: (typeof OPS)[number]; pick: number; variant: number };

const OK: TurnOutcome = { ok: true, subtype: "success", durationMs: 1, error: null };
const ABORTED: TurnOutcome = {
  ok: false,
  subtype: "error_during_execution",
  durationMs: 1,
  error: "aborted",
};
/** Claude could not answer for a passing reason: the input is held, not spent. */
const LIMITED: TurnOutcome = {
  ok: false,
  subtype: "success",
  durationMs: 0,
  error: "You've hit your limit",
  hold: { t: "limit", resetsAt: 2_000_000_000_000 },
};
const NO_ACCOUNT: TurnOutcome = {
  ok: false,
  subtype: "success",
  durationMs: 0,
  error: "Not logged in",
  hold: { t: "account", code: "not_signed_in", text: "Not logged in" },
};
const NOT_FOUND: TurnOutcome = {
  ok: false,
  subtype: "error_during_execution",
  durationMs: 0,
  error: NO_CONVERSATION,
};

function pickOf<T>(xs: T[], n: number): T | undefined {
  return xs.length === 0 ? undefined : xs[n % xs.length];
}

function apply(w: World, { op, pick, variant }: Op): void {
  const id = pickOf(w.liveIds(), pick);
  switch (op) {
    case "message":
      return w.newInput(variant === 0 ? "prompt" : "message");
    case "clear":
      return w.newInput("command");
    case "replay":
      return w.kick(); // a replayed message: INSERT OR IGNORE changed nothing, the registry is read again
    case "prepared": {
      const mid = pickOf(w.prepares, pick);
      if (mid === undefined) return;
      w.prepares = w.prepares.filter((m) => m !== mid);
      return w.dispatch({ t: "prepared", inputMid: mid, missing: variant === 1 });
    }
    case "prepare_fails": {
      const mid = pickOf(w.prepares, pick);
      if (mid === undefined) return;
      w.prepares = w.prepares.filter((m) => m !== mid);
      return w.dispatch({ t: "prepare_failed", inputMid: mid, error: "admit failed" });
    }
    case "init":
      return id === undefined
        ? undefined
        : w.dispatch({ t: "init", proc: id, sessionId: `c-${id}-${variant}` });
    case "reset":
      return id === undefined ? undefined : w.dispatch({ t: "reset", proc: id });
    case "result":
      return id === undefined ? undefined : w.result(id, [OK, ABORTED, NOT_FOUND][variant]!);
    case "stray_result": // e.g. a background task's turn; only from a process with nothing of ours to answer
      if (id === undefined || w.procs.get(id)!.handed.length > 0) return;
      return w.dispatch({ t: "result", proc: id, sessionId: `c-${id}`, outcome: OK });
    case "exit":
      return id === undefined
        ? undefined
        : w.exit(id, [null, "exited with code 1", NO_CONVERSATION][variant]!);
    case "ask":
      if (id === undefined || w.procs.get(id)?.handed.length === 0) return;
      w.waits++;
      return w.dispatch({ t: "waits", count: w.waits });
    case "answer":
      if (w.waits === 0) return;
      w.waits--;
      return w.dispatch({ t: "waits", count: w.waits });
    case "interrupt":
      return w.dispatch({ t: "interrupt" });
    case "interrupt_reply": {
      const i = pickOf(w.interrupts, pick);
      if (!i) return;
      w.interrupts = w.interrupts.filter((x) => x !== i);
      if (variant === 0) return w.dispatch({ t: "interrupt_unanswered", proc: i.proc, inputMid: i.inputMid });
      return w.result(i.proc, ABORTED); // the CLI stops the turn and says so
    }
    case "sleep":
      return w.dispatch({ t: "sleep" });
    case "end":
      return w.dispatch({ t: "end" });
    case "stop":
      return w.dispatch({ t: "stop" });
    case "crash":
      return w.restart();
    case "crash_between_effects":
      w.crashAt = pick % 6;
      return;
    case "fail":
      return w.dispatch({ t: "failed", error: "a bridge bug" });
    case "limited": // the turn at hand stops on a usage limit (variant 1: the account does not work)
      return id === undefined ? undefined : w.result(id, variant === 1 ? NO_ACCOUNT : LIMITED);
    case "continue": // the reset time came, the account works again, or the phone asked
      return w.dispatch({ t: "continue" });
  }
}

/**
 * What time does when nobody acts: prompts are answered, closing processes exit, the others
 * finish, a stopped bridge starts again.
 */
function settle(w: World): void {
  w.crashAt = null;
  for (let round = 0; round < 200; round++) {
    if (w.machine.life === "stopped") w.restart();
    else if (w.prepares.length > 0)
      w.dispatch({ t: "prepared", inputMid: w.prepares.shift()!, missing: false });
    else if (w.waits > 0) {
      w.waits = 0;
      w.dispatch({ t: "waits", count: 0 });
    } else if (w.interrupts.length > 0) w.interrupts = [];
    else if (w.holding && w.machine.turn.t === "idle") w.dispatch({ t: "continue" });
    else {
      const busy = w.liveIds().find((id) => w.procs.get(id)!.handed.length > 0);
      const closing = w.liveIds().find((id) => w.procs.get(id)!.closing || w.procs.get(id)!.dying);
      // A process being closed is killed before it finishes; the random events let some finish first.
      if (closing !== undefined) w.exit(closing, w.procs.get(closing)!.dying ? NO_CONVERSATION : null);
      else if (busy !== undefined) w.result(busy, OK);
      else if (w.machine.turn.t === "idle") return;
      else throw new Error(`stuck: ${JSON.stringify(w.machine.turn)}`);
    }
  }
  throw new Error("the world did not settle");
}

function check(w: World): void {
  expect(w.violations).toEqual([]);
  for (const { input, state } of w.inputs.values()) {
    expect(state, input.mid).toBe("done");
    const [started, result, notice] = ["ts", "tr", "nt"].map((tag) => w.stored.get(`${tag}:${input.mid}`));
    if (input.kind === "command") {
      expect([started, result, notice], input.mid).toEqual([undefined, undefined, undefined]);
    } else if (notice) {
      expect([started, result], `${input.mid} has a notice and a turn`).toEqual([undefined, undefined]);
    } else {
      expect(started, `${input.mid} turn.started`).toBeDefined();
      expect(result, `${input.mid} turn.result`).toBeDefined();
      expect(started!.order).toBeLessThan(result!.order);
    }
  }
}

// "medium": some 30 events a run on average; the default size would make most runs a handful long.
const Ops = fc.array(fc.record({ op: fc.constantFrom(...OPS), pick: fc.nat(7), variant: fc.nat(2) }), {
  maxLength: 60,
  size: "medium",
});

describe("session machine against a model (fast-check)", () => {
  it("every input gets one turn.started and one turn.result, or a notice naming it; nothing is sent twice", () => {
    fc.assert(
      fc.property(Ops, (ops) => {
        const w = new World();
        for (const op of ops) apply(w, op);
        settle(w);
        check(w);
      }),
      { numRuns: 5000 },
    );
  });

  it("the model is not vacuous: random runs reach every way a turn can end", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(Ops, (ops) => {
        const w = new World();
        for (const op of ops) apply(w, op);
        settle(w);
        for (const m of w.stored.values()) seen.add(m.subtype ?? m.key.split(":")[0]!);
        if (w.crashedBetweenEffects > 0) seen.add("crash between effects");
        if (w.heldCount > 0) seen.add("held");
        if ([...w.handed.values()].some((n) => n.again > 0)) seen.add("continued");
      }),
      { numRuns: 4000 },
    );
    expect([...seen].sort()).toEqual([
      "continued",
      "crash between effects",
      "error_bridge",
      "error_bridge_restarted",
      "error_during_execution",
      "error_process_exited",
      "held",
      "interrupted",
      "nt",
      "rf",
      "session_ended",
      "success",
      "ts",
    ]);
  });
});
