import type { Stored } from "./digest.ts";
import type { ActorInfo, HistoryEvent } from "./history.ts";

/** What the chaos checker (checker.ts) takes and reports; its own file so the checks can share it. */
export type Invariant =
  | "lost"
  | "duplicate"
  | "phantom"
  | "wrong_seq"
  | "wrong_sender"
  | "refused_stored"
  | "log_gap"
  | "fenced_write"
  | "receiver_skip"
  | "receiver_duplicate"
  | "receiver_content"
  | "cursor_back"
  | "gone"
  | "mirror"
  | "not_converged"
  /** The run stopped making progress (stall.ts): nothing was checked. */
  | "stalled";

export type Violation = { invariant: Invariant; actor: string | null; detail: string };

export type Counts = {
  /** Distinct sends invoked. */
  sent: number;
  /** Sends the relay acknowledged at least once. */
  acknowledged: number;
  /** Messages in the final log. */
  stored: number;
  /** Messages applied by receivers, summed over receivers. */
  delivered: number;
  /** Acknowledged (or durably queued) sends missing from the log, plus applied seqs it lacks. */
  lost: number;
  /** Extra copies in the log, plus messages a receiver applied twice. */
  duplicated: number;
  /** Receiver applies that skipped ahead, plus holes in the log's seqs. */
  reordered: number;
  /** Sends with neither an ack nor a refusal (sender killed, link cut): stored at most once. */
  indeterminate: number;
  /** Indeterminate sends that were stored anyway (a retry or a later incarnation got them in). */
  recovered: number;
  /** Messages applied a second time right after a crash (allowed: cursor persisted after apply). */
  reapplied: number;
};

export type CheckResult = { ok: boolean; converged: boolean; violations: Violation[]; counts: Counts };

export type CheckInput = {
  events: readonly HistoryEvent[];
  actors: ReadonlyMap<string, ActorInfo>;
  log: readonly Stored[];
  /** How long clients may take to converge after the faults stop (PROTOCOL: 10 s). */
  convergeWithinMs: number;
};

export type LogIndex = {
  bySeq: Map<number, { mid: string; digest: string }>;
  head: number;
  low: number;
};
