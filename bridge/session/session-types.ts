/**
 * The turn lifecycle of one session as data: the state, the events that move it and the effects
 * the runtime performs. No Node, SDK or relay types here, so the machine can be tested alone.
 */

import type { SessionState, TurnResultSubtype } from "../../shared/protocol/index.ts";

/** The session's state as published in session.status and kept in the registry (docs/protocol.md §9.4). */
export type { SessionState };

/** An input recorded in the registry: a user.message, a session's first prompt, or a command (/clear). */
/** `files`: a user.message with attachments; its send carries them (docs/protocol.md §9.5.1). */
export type Input = { mid: string; text: string; kind: "message" | "prompt" | "command"; files?: true };

export type TurnOutcome = {
  ok: boolean;
  subtype: TurnResultSubtype;
  durationMs: number;
  costUsd?: number;
  usage?: unknown;
  error: string | null;
  /** Claude could not answer for a reason that passes (a usage limit, the account): the input waits. */
  hold?: Hold;
};

/**
 * Why an input waits instead of ending (docs/protocol.md §9.11): a usage limit until `resetsAt`
 * (epoch ms), or the account (`code` as in machine.account; `text` what Claude Code said).
 */
export type Hold = { t: "limit"; resetsAt: number } | { t: "account"; code: string; text: string };

/** The input that waits, after its turn.started; it is answered once it continues and ends. */
export type Held = { input: Input; hold: Hold };

/** What happens to the input at hand. At most one input is between turn.started and turn.result. */
export type Turn =
  | { t: "idle" }
  /**
   * Picked from the queue and announced; no process takes it yet. `waitFor`: the previous process
   * is still closing (`exit`), or the runtime is admitting a new one and checking its transcript
   * (`prepare`). An interrupt now is kept for the moment the input reaches Claude.
   */
  | { t: "starting"; input: Input; waitFor: "exit" | "prepare"; interrupt: boolean; again: boolean }
  /**
   * Handed to process `proc`. `clearing`: the Claude session id changes as a /clear
   * (session.transition). `resumeFailed`: the CLI said it found no conversation and exits next.
   * `fresh`: this input started a fresh Claude session already, so a second failure ends the turn.
   * `again`: a held input continuing; Claude has it in its transcript already (see `hand`).
   */
  | {
      t: "running";
      input: Input;
      proc: number;
      clearing: boolean;
      resumeFailed: boolean;
      fresh: boolean;
      again: boolean;
    };

/** `ended` by the user (final); `stopped` while the bridge shuts down (nothing new starts). */
export type Life = "open" | "ended" | "stopped";

/** The session's one Claude process, if any; `closing` once close() was asked of it. */
export type Proc = { id: number; closing: boolean };

export type Machine = {
  life: Life;
  turn: Turn;
  proc: Proc | null;
  /** The registry's pending inputs, oldest first (not including the turn's input). */
  queue: Input[];
  /** An input stopped by a usage limit or the account; nothing else starts before it continues. */
  held: Held | null;
  /** Permission prompts waiting for an answer. */
  waits: number;
  /** The id the next spawned process gets; ids are never reused, so a late event of an old one is told apart. */
  nextProc: number;
};

export type MachineEvent =
  /** The bridge (re)started: inputs it had started are answered, pending ones run. */
  | { t: "recover"; started: Input[]; pending: Input[]; held: Held | null; claudeSession: boolean }
  /** The held input is tried again: its reset time came, the account works, or the phone asked. */
  | { t: "continue" }
  /** The registry's pending inputs, read after an input was recorded. */
  | { t: "inputs"; pending: Input[] }
  /** The runtime admitted a new process; `missing`: the transcript to resume is gone. */
  | { t: "prepared"; inputMid: string; missing: boolean }
  /** Admitting or checking failed; only the turn it was for ends. */
  | { t: "prepare_failed"; inputMid: string; error: string }
  | { t: "init"; proc: number; sessionId: string }
  | { t: "reset"; proc: number }
  | { t: "result"; proc: number; sessionId: string; outcome: TurnOutcome }
  | { t: "exited"; proc: number; error: string | null }
  /** The number of permission prompts waiting changed. */
  | { t: "waits"; count: number }
  | { t: "interrupt" }
  /** The CLI did not answer an interrupt in time. */
  | { t: "interrupt_unanswered"; proc: number; inputMid: string }
  /** Idle timer or the live-process cap: let the process go if nothing needs it. */
  | { t: "sleep" }
  | { t: "end" }
  | { t: "stop" }
  /** The bridge itself failed while handling the turn (a bug or a broken dependency). */
  | { t: "failed"; error: string };

export type Effect =
  /** turn.started for a message or prompt (commands have none). */
  | { t: "turn_started"; input: Input }
  | { t: "turn_result"; inputMid: string; outcome: TurnOutcome }
  /** session.notice{session_ended} for an input that never ran. */
  | { t: "ended_notice"; inputMid: string }
  /** Forget the Claude session id (the next spawn starts afresh); session.notice{resume_failed_started_fresh}. */
  | { t: "started_fresh"; inputMid: string; why: string }
  /** The registry's record of an input; always after the message it stands for, so a crash resends. */
  | { t: "mark"; mid: string; state: "started" | "done" }
  /** Keep the input as held (durably), say so in session.status, and wait for its reset or the account. */
  | { t: "hold"; held: Held }
  | { t: "status"; state: SessionState; detail?: string }
  /** Admit a new process (live-process cap), check the transcript, then report `prepared`. */
  | { t: "prepare"; inputMid: string }
  /** Start process `proc`, resuming the session's current Claude session id if it has one. */
  | { t: "spawn"; proc: number }
  /** `attach`: the input whose attachments go with the text. */
  | { t: "send"; proc: number; text: string; attach?: string }
  /** Ask the CLI to stop the turn; `interrupt_unanswered` if it does not answer in time. */
  | { t: "interrupt"; proc: number; inputMid: string }
  | { t: "close"; proc: number }
  | { t: "cancel_prompts"; reason: string }
  /** The CLI reported its session id; a change while `clearing` is a /clear transition. */
  | { t: "session_id"; sessionId: string; clearing: boolean }
  | { t: "idle_timer"; arm: boolean }
  | { t: "log"; level: "info" | "warn" | "error"; message: string; fields: Record<string, LogValue> };

export type LogValue = string | number | boolean | null;

export type Step = { state: Machine; effects: Effect[] };
