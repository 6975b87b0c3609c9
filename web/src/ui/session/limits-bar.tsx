import type { TolerantUsageLimit } from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";
import type { SessionView } from "../../state/session-fold.ts";
import { clock } from "../format.ts";

/**
 * An input that waits (for a usage limit to reset, or for Claude Code's account), with what can
 * be done about it, and the account's usage windows as last reported (docs/protocol.md §9.11).
 */
export function LimitsBar(p: { model: RoomModel; view: SessionView; control: boolean }) {
  const st = p.view.status;
  const limits = p.view.usage?.limits ?? [];
  const waiting = st?.state === "waiting_limit" || st?.state === "waiting_account";
  if (!waiting && limits.length === 0) return null;
  const now = Date.now();
  return (
    <section class="limits" aria-label="Usage limits">
      {st?.state === "waiting_limit" ? (
        <p class="limit-wait" role="status">
          Waiting for the usage limit to reset at {st.resetsAt ? clock(st.resetsAt, now) : "a later time"}.{" "}
          {p.view.info?.autoContinue === false
            ? "Auto-continue is off: tap Continue now when it has reset."
            : "Your message continues by itself then."}
        </p>
      ) : null}
      {st?.state === "waiting_account" ? (
        <p class="limit-wait" role="status">
          Waiting for Claude Code's account to work on the machine{st.detail ? ` (${st.detail})` : ""}. Your
          message runs once it does; the machine page says what to do.
        </p>
      ) : null}
      {waiting && p.control ? <WaitActions model={p.model} /> : null}
      {limits.length > 0 ? (
        <ul class="usage-windows" aria-label="Usage windows">
          {limits.map((l) => (
            <li key={l.kind} class={`usage-window ${l.status}`}>
              {windowLine(l, now)}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function WaitActions(p: { model: RoomModel }) {
  return (
    <div class="actions">
      <button
        type="button"
        class="btn small"
        onClick={() => void p.model.send("session.command", { name: "continue" })}
      >
        Continue now
      </button>
      <button type="button" class="btn small" onClick={() => void p.model.send("session.interrupt", {})}>
        Stop waiting
      </button>
    </div>
  );
}

const WINDOW_NAMES: Record<string, string> = {
  five_hour: "5-hour limit",
  seven_day: "Weekly limit",
  seven_day_opus: "Weekly limit (Opus)",
  seven_day_sonnet: "Weekly limit (Sonnet)",
  seven_day_overage_included: "Weekly limit (with extra usage)",
  overage: "Extra usage",
};

/** "5-hour limit: used up · resets 15:19", "Weekly limit: 80 % used · resets Dec 8 15:19". */
export function windowLine(l: TolerantUsageLimit, now: number): string {
  const name = WINDOW_NAMES[l.kind] ?? l.kind.replaceAll("_", " ");
  const used =
    l.status === "rejected"
      ? "used up"
      : typeof l.utilization === "number"
        ? `${Math.round(l.utilization * 100)} % used`
        : l.status === "allowed_warning"
          ? "nearly used up"
          : "available";
  const reset = typeof l.resetsAt === "number" ? ` · resets ${clock(l.resetsAt, now)}` : "";
  return `${name}: ${used}${reset}`;
}
