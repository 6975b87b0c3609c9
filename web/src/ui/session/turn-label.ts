import { TurnResultSubtype } from "../../../../shared/protocol/agent.ts";

/** How a turn ended, in words a person understands (never a subtype name like "Failed (success)"). Pure. */

const LABELS: Record<TurnResultSubtype, string> = {
  success: "Done",
  error_during_execution: "Stopped by an error",
  error_max_turns: "Stopped: it took more steps than allowed",
  error_max_budget_usd: "Stopped: the spending limit was reached",
  error_max_structured_output_retries: "Stopped: Claude could not give the answer in the form asked",
  error_bridge_restarted: "Cut short: the bridge restarted during this turn",
  error_process_exited: "Cut short: Claude Code stopped unexpectedly",
  interrupted: "Interrupted",
  session_ended: "Not finished: the session ended",
  error_bridge: "Cut short: the bridge ran into a problem",
};

export function turnLabel(r: { ok: boolean; subtype: string }): string {
  if (r.ok) return "Done";
  const known = TurnResultSubtype.safeParse(r.subtype);
  // A turn that ended on an API error: the CLI calls it a success, with the error as its answer.
  if (known.success && known.data === "success") return "Claude could not answer";
  if (known.success) return LABELS[known.data];
  return `Ended without an answer (${r.subtype.replaceAll("_", " ")})`;
}
