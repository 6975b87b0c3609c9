import { historyText } from "../../../shared/core/events/history-text.ts";
import type { TolerantMachineHealth } from "../../../shared/protocol/index.ts";
import { healthRows } from "../state/health-text.ts";
import { machineModel, machineView, watchMachines } from "../state/inbox.ts";

/** The machine health sheet: what the bridge did, since it started / since install (machine.health). */
export function HealthSheet(p: { health: TolerantMachineHealth | null }) {
  if (!p.health) return null;
  return (
    <details class="health" data-testid="machine-health">
      <summary>Machine health</summary>
      <p class="muted small">
        Since the bridge started {new Date(p.health.startedAt).toLocaleString()} / since install (
        {new Date(p.health.installedAt).toLocaleDateString()}). As of{" "}
        {new Date(p.health.at).toLocaleTimeString()}.
      </p>
      <dl>
        {healthRows(p.health).map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/**
 * A session's own history in its menu ("resumed 3×, fell back once: … · 5 turns, 1 failed"), from
 * its machine's health, in the words `tether events --session` uses.
 */
export function SessionHistory(p: { room: string; machineId: string | null | undefined }) {
  watchMachines();
  const model = p.machineId ? machineModel(p.machineId) : null;
  const tally = model ? machineView(model).value.health?.sessions?.find((s) => s.room === p.room) : null;
  const text = tally ? historyText(tally) : "";
  if (!text) return null;
  return (
    <p class="muted small" data-testid="session-history">
      History: {text}
    </p>
  );
}
