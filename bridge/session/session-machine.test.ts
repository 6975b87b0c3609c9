import { describe, expect, it } from "vitest";
import { clear, msg, ok, run, runningA, said } from "../../tests/support/machine-steps.ts";
import { canSleep, holdsProcess, type TurnOutcome } from "./session-machine.ts";
import type { Effect } from "./session-types.ts";

describe("session machine: one turn", () => {
  it("announces, records, starts a process, hands it the input, and ends with turn.result", () => {
    const a = msg("a");
    const start = run([{ t: "inputs", pending: [a] }]);
    expect(said(start.effects)).toEqual([
      { t: "turn_started", input: a },
      { t: "mark", mid: "a", state: "started" },
      { t: "status", state: "running" },
      { t: "prepare", inputMid: "a" },
    ]);
    expect(holdsProcess(start.state)).toBe(true);
    const spawned = run([{ t: "prepared", inputMid: "a", missing: false }], start.state);
    expect(said(spawned.effects)).toEqual([
      { t: "spawn", proc: 1 },
      { t: "send", proc: 1, text: a.text },
    ]);
    const done = run([{ t: "result", proc: 1, sessionId: "c1", outcome: ok }], spawned.state);
    expect(said(done.effects)).toEqual([
      { t: "session_id", sessionId: "c1", clearing: false },
      { t: "turn_result", inputMid: "a", outcome: ok },
      { t: "mark", mid: "a", state: "done" },
      { t: "status", state: "idle" },
    ]);
    expect(done.effects).toContainEqual({ t: "idle_timer", arm: true });
    expect(canSleep(done.state)).toBe(true);
  });

  it("the next input goes to the live process without a new one", () => {
    const r = run(
      [
        { t: "inputs", pending: [msg("b")] },
        { t: "result", proc: 1, sessionId: "c1", outcome: ok },
      ],
      runningA(),
    );
    expect(said(r.effects).map((e) => e.t)).toEqual([
      "session_id",
      "turn_result",
      "mark",
      "status",
      "turn_started",
      "mark",
      "status",
      "send",
    ]);
    expect(r.effects).toContainEqual({ t: "send", proc: 1, text: "text of b" });
  });
});

describe("session machine: interrupts", () => {
  it("while starting: kept until the process has the input, then prompts are cancelled and the CLI asked", () => {
    const starting = run([{ t: "inputs", pending: [msg("a")] }, { t: "interrupt" }]);
    expect(said(starting.effects).map((e) => e.t)).not.toContain("interrupt");
    const r = run([{ t: "prepared", inputMid: "a", missing: false }], starting.state);
    expect(said(r.effects)).toEqual([
      { t: "spawn", proc: 1 },
      { t: "send", proc: 1, text: "text of a" },
      { t: "cancel_prompts", reason: "interrupted from the phone" },
      { t: "interrupt", proc: 1, inputMid: "a" },
    ]);
  });

  it("unanswered: that process is closed, and its exit ends the turn as interrupted", () => {
    const r = run([{ t: "interrupt" }, { t: "interrupt_unanswered", proc: 1, inputMid: "a" }], runningA());
    expect(said(r.effects).slice(-1)).toEqual([{ t: "close", proc: 1 }]);
    const exit = run([{ t: "exited", proc: 1, error: null }], r.state);
    expect(said(exit.effects)).toContainEqual({
      t: "turn_result",
      inputMid: "a",
      outcome: { ok: false, subtype: "interrupted", durationMs: 0, error: "the Claude process was stopped" },
    });
    expect(said(exit.effects).at(-1)).toEqual({ t: "status", state: "sleeping" });
  });

  it("unanswered after the turn moved on: a later turn's process is not closed", () => {
    const r = run(
      [
        { t: "interrupt" },
        {
          t: "result",
          proc: 1,
          sessionId: "c1",
          outcome: { ...ok, ok: false, subtype: "error_during_execution" },
        },
        { t: "inputs", pending: [msg("b")] },
        { t: "interrupt_unanswered", proc: 1, inputMid: "a" },
      ],
      runningA(),
    );
    expect(r.effects.map((e) => e.t)).not.toContain("close");
  });
});

describe("session machine: permission waits and process exits", () => {
  it("the process exits during a permission wait: the prompt is cancelled and the turn ends with the error", () => {
    const waiting = run([{ t: "waits", count: 1 }], runningA());
    expect(said(waiting.effects)).toEqual([{ t: "status", state: "awaiting_permission" }]);
    expect(canSleep(waiting.state)).toBe(false);
    const r = run([{ t: "exited", proc: 1, error: "exited with code 1" }], waiting.state);
    expect(said(r.effects)).toEqual([
      { t: "cancel_prompts", reason: "the Claude process ended" },
      {
        t: "turn_result",
        inputMid: "a",
        outcome: { ok: false, subtype: "error_process_exited", durationMs: 0, error: "exited with code 1" },
      },
      { t: "mark", mid: "a", state: "done" },
      { t: "status", state: "idle" },
      { t: "status", state: "error", detail: "exited with code 1" },
    ]);
    expect(r.state.proc).toBeNull();
  });

  it("a late event of an exited process changes nothing", () => {
    const gone = run([{ t: "exited", proc: 1, error: null }], runningA()).state;
    const after = run([{ t: "inputs", pending: [msg("b")] }], gone).state;
    const late = run(
      [
        { t: "result", proc: 1, sessionId: "c1", outcome: ok },
        { t: "exited", proc: 1, error: "late" },
        { t: "init", proc: 1, sessionId: "other" },
      ],
      after,
    );
    expect(late.effects).toEqual([]);
    expect(late.state).toEqual(after);
  });

  it("a late result of the process being replaced does not end the next input's turn", () => {
    const idle = run([{ t: "result", proc: 1, sessionId: "s", outcome: ok }], runningA()).state;
    const waiting = run([{ t: "sleep" }, { t: "inputs", pending: [msg("b")] }], idle).state;
    const r = run([{ t: "result", proc: 1, sessionId: "s", outcome: ok }], waiting);
    expect(said(r.effects)).toEqual([{ t: "session_id", sessionId: "s", clearing: false }]);
    expect(r.state.turn).toMatchObject({ t: "starting", input: msg("b"), waitFor: "exit" });
  });
});

describe("session machine: /clear", () => {
  it("during a turn: waits for it, gets no turn.started/turn.result, and its new id is a transition", () => {
    const queued = run([{ t: "inputs", pending: [clear("c")] }], runningA());
    expect(queued.effects).toEqual([]);
    const r = run(
      [
        { t: "result", proc: 1, sessionId: "s1", outcome: ok },
        { t: "reset", proc: 1 },
        { t: "init", proc: 1, sessionId: "s2" },
        { t: "result", proc: 1, sessionId: "s2", outcome: { ...ok, costUsd: 0 } },
      ],
      queued.state,
    );
    const afterA = said(r.effects).slice(4);
    expect(afterA).toEqual([
      { t: "mark", mid: "c", state: "started" },
      { t: "status", state: "running" },
      { t: "send", proc: 1, text: "/clear" },
      { t: "session_id", sessionId: "s2", clearing: true },
      { t: "session_id", sessionId: "s2", clearing: true },
      { t: "mark", mid: "c", state: "done" },
      { t: "status", state: "idle" },
    ]);
  });
});

describe("session machine: a message with files", () => {
  const limited: TurnOutcome = {
    ok: false,
    subtype: "success",
    durationMs: 0,
    error: "You've hit your limit",
    hold: { t: "limit", resetsAt: 2_000_000_000_000 },
  };
  const photo = { ...msg("p"), files: true as const };
  const sends = (effects: Effect[]) => said(effects).filter((e) => e.t === "send");

  /** Up to the held input's continuation being handed over; `missing`: its Claude session is gone. */
  function continued(missing: boolean) {
    let r = run([{ t: "inputs", pending: [photo] }]);
    r = run([{ t: "prepared", inputMid: "p", missing: false }], r.state);
    expect(sends(r.effects)).toEqual([{ t: "send", proc: 1, text: photo.text, attach: "p" }]);
    r = run([{ t: "result", proc: 1, sessionId: "c1", outcome: limited }], r.state);
    expect(said(r.effects).map((e) => e.t)).toContain("hold");
    // A fresh session needs a new process: this one went away while the input waited.
    if (missing) r = run([{ t: "exited", proc: 1, error: null }], r.state);
    r = run([{ t: "continue" }], r.state);
    const prepare = said(r.effects).find((e) => e.t === "prepare");
    if (prepare?.t !== "prepare") {
      // The process is still up: the continuation goes to it.
      return sends(r.effects);
    }
    return sends(run([{ t: "prepared", inputMid: "p", missing }], r.state).effects);
  }

  it("hands Claude the files with the text, and not again when it only continues the held input", () => {
    const again = continued(false);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toHaveProperty("attach");
    expect(again[0]).not.toMatchObject({ text: photo.text });
  });

  it("hands them again when the held input continues in a fresh Claude session", () => {
    expect(continued(true)).toEqual([{ t: "send", proc: expect.any(Number), text: photo.text, attach: "p" }]);
  });
});
