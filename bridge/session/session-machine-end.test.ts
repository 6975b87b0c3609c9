import { describe, expect, it } from "vitest";
import { clear, msg, NO_CONVERSATION, ok, run, runningA, said } from "../../tests/support/machine-steps.ts";
import { holdsProcess, initialMachine, type TurnOutcome } from "./session-machine.ts";

describe("session machine: end", () => {
  it("with pending input: a notice for each message that never ran, the running turn ends with its process", () => {
    const r = run([{ t: "inputs", pending: [msg("b"), clear("c"), msg("d")] }, { t: "end" }], runningA());
    expect(said(r.effects)).toEqual([
      { t: "status", state: "ended" },
      { t: "ended_notice", inputMid: "b" },
      { t: "mark", mid: "b", state: "done" },
      { t: "mark", mid: "c", state: "done" },
      { t: "ended_notice", inputMid: "d" },
      { t: "mark", mid: "d", state: "done" },
      { t: "cancel_prompts", reason: "the session ended" },
      { t: "close", proc: 1 },
    ]);
    const exit = run(
      [
        { t: "exited", proc: 1, error: null },
        { t: "inputs", pending: [msg("e")] },
      ],
      r.state,
    );
    expect(said(exit.effects)).toEqual([
      { t: "cancel_prompts", reason: "the Claude process ended" },
      {
        t: "turn_result",
        inputMid: "a",
        outcome: {
          ok: false,
          subtype: "interrupted",
          durationMs: 0,
          error: "the Claude process was stopped",
        },
      },
      { t: "mark", mid: "a", state: "done" },
      { t: "ended_notice", inputMid: "e" },
      { t: "mark", mid: "e", state: "done" },
    ]);
  });

  it("while the bridge stops: an input that arrives is still answered by an end", () => {
    const r = run([{ t: "stop" }, { t: "inputs", pending: [msg("a")] }, { t: "end" }]);
    expect(said(r.effects)).toEqual([
      { t: "status", state: "ended" },
      { t: "ended_notice", inputMid: "a" },
      { t: "mark", mid: "a", state: "done" },
      { t: "cancel_prompts", reason: "the session ended" },
    ]);
  });

  it("an ended session opened after a crash settles its inputs and publishes no state", () => {
    const r = run(
      [{ t: "recover", started: [msg("a")], pending: [msg("b")], held: null, claudeSession: true }],
      initialMachine("ended"),
    );
    expect(said(r.effects).map((e) => e.t)).toEqual(["turn_result", "mark", "ended_notice", "mark"]);
  });

  it("while starting: the input's turn ends as session_ended and no process is started", () => {
    const r = run([
      { t: "inputs", pending: [msg("a")] },
      { t: "end" },
      { t: "prepared", inputMid: "a", missing: false },
    ]);
    expect(said(r.effects).slice(4)).toEqual([
      { t: "status", state: "ended" },
      {
        t: "turn_result",
        inputMid: "a",
        outcome: { ok: false, subtype: "session_ended", durationMs: 0, error: "the session ended" },
      },
      { t: "mark", mid: "a", state: "done" },
      { t: "cancel_prompts", reason: "the session ended" },
    ]);
    expect(holdsProcess(r.state)).toBe(false);
  });
});

describe("session machine: resume failures keep the input", () => {
  it("a missing transcript: a fresh session is started with the same input", () => {
    const r = run([
      { t: "inputs", pending: [msg("a")] },
      { t: "prepared", inputMid: "a", missing: true },
    ]);
    expect(said(r.effects).slice(4)).toEqual([
      { t: "started_fresh", inputMid: "a", why: "its transcript is missing" },
      { t: "spawn", proc: 1 },
      { t: "send", proc: 1, text: "text of a" },
    ]);
  });

  it("the CLI finds no conversation: after its exit a fresh process gets the same input, once", () => {
    const failing: TurnOutcome = {
      ok: false,
      subtype: "error_during_execution",
      durationMs: 0,
      error: NO_CONVERSATION,
    };
    const r = run(
      [
        { t: "result", proc: 1, sessionId: "old", outcome: failing },
        { t: "exited", proc: 1, error: "Claude Code process exited with code 1" },
      ],
      runningA(),
    );
    expect(said(r.effects)).toEqual([
      { t: "cancel_prompts", reason: "the Claude process ended" },
      { t: "started_fresh", inputMid: "a", why: "Claude could not resume it" },
      { t: "spawn", proc: 2 },
      { t: "send", proc: 2, text: "text of a" },
    ]);
    const again = run([{ t: "exited", proc: 2, error: NO_CONVERSATION }], r.state);
    expect(said(again.effects).map((e) => e.t)).not.toContain("spawn");
    expect(said(again.effects)).toContainEqual({
      t: "turn_result",
      inputMid: "a",
      outcome: { ok: false, subtype: "error_process_exited", durationMs: 0, error: NO_CONVERSATION },
    });
  });
});

describe("session machine: sleep, restarts, failures", () => {
  it("sleeps only when idle with no prompt; the next input waits for that exit before a new process", () => {
    expect(run([{ t: "sleep" }], runningA()).effects).toEqual([]);
    const idle = run([{ t: "result", proc: 1, sessionId: "s", outcome: ok }], runningA()).state;
    const r = run([{ t: "sleep" }, { t: "inputs", pending: [msg("b")] }], idle);
    expect(said(r.effects).map((e) => e.t)).toEqual(["close", "turn_started", "mark", "status"]);
    const exit = run([{ t: "exited", proc: 1, error: null }], r.state);
    expect(said(exit.effects)).toEqual([{ t: "prepare", inputMid: "b" }]);
  });

  it("recover: inputs a killed bridge had started end as error_bridge_restarted; pending ones run", () => {
    const r = run([
      { t: "recover", started: [msg("a"), clear("c")], pending: [msg("b")], held: null, claudeSession: true },
    ]);
    expect(said(r.effects)).toEqual([
      {
        t: "turn_result",
        inputMid: "a",
        outcome: {
          ok: false,
          subtype: "error_bridge_restarted",
          durationMs: 0,
          error: "the bridge restarted during this turn",
        },
      },
      { t: "mark", mid: "a", state: "done" },
      { t: "mark", mid: "c", state: "done" },
      { t: "status", state: "sleeping" },
      { t: "turn_started", input: msg("b") },
      { t: "mark", mid: "b", state: "started" },
      { t: "status", state: "running" },
      { t: "prepare", inputMid: "b" },
    ]);
  });

  it("a bridge failure ends the turn with error_bridge, lets its process go, and takes the next input", () => {
    const r = run(
      [
        { t: "inputs", pending: [msg("b")] },
        { t: "failed", error: "boom" },
      ],
      runningA(),
    );
    expect(said(r.effects)).toEqual([
      {
        t: "turn_result",
        inputMid: "a",
        outcome: { ok: false, subtype: "error_bridge", durationMs: 0, error: "boom" },
      },
      { t: "mark", mid: "a", state: "done" },
      { t: "status", state: "error", detail: "boom" },
      { t: "close", proc: 1 },
      { t: "turn_started", input: msg("b") },
      { t: "mark", mid: "b", state: "started" },
      { t: "status", state: "running" },
    ]);
  });

  it("a preparation that fails late ends only the turn it was for", () => {
    const r = run([
      { t: "inputs", pending: [msg("a"), msg("b")] },
      { t: "failed", error: "boom" },
      { t: "prepare_failed", inputMid: "a", error: "admit failed" },
    ]);
    const results = said(r.effects).filter((e) => e.t === "turn_result");
    expect(results.map((e) => e.inputMid)).toEqual(["a"]);
    expect(r.state.turn).toMatchObject({ t: "starting", input: msg("b") });
    const current = run([
      { t: "inputs", pending: [msg("b")] },
      { t: "prepare_failed", inputMid: "b", error: "no" },
    ]);
    expect(said(current.effects)).toContainEqual({
      t: "turn_result",
      inputMid: "b",
      outcome: { ok: false, subtype: "error_bridge", durationMs: 0, error: "no" },
    });
  });

  it("stop: the process goes, nothing starts, and an exit does not start afresh", () => {
    const r = run(
      [
        { t: "inputs", pending: [msg("b")] },
        { t: "stop" },
        { t: "exited", proc: 1, error: NO_CONVERSATION },
        { t: "inputs", pending: [msg("b")] },
      ],
      runningA(),
    );
    const kinds = said(r.effects).map((e) => e.t);
    expect(kinds[0]).toBe("close");
    expect(kinds).not.toContain("spawn");
    expect(kinds).not.toContain("turn_started");
    expect(r.effects).toContainEqual({ t: "mark", mid: "a", state: "done" });
  });
});
