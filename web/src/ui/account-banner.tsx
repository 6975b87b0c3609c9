import type { TolerantMachineAccount } from "../../../shared/protocol/index.ts";
import type { RoomModel } from "../state/room-model.ts";

/** Claude Code cannot answer on the machine: what is wrong, what to do there, and "Check again". */
export function AccountBanner(p: { model: RoomModel; account: TolerantMachineAccount | null }) {
  const a = p.account;
  if (!a || a.ok || !a.problem) return null;
  const control = p.model.role.value === "controller";
  return (
    <section class="account-banner" role="alert" aria-label="Claude Code account">
      <p class="account-text">{a.problem.text}</p>
      <p class="account-fix">{a.problem.fix}</p>
      <p class="muted small">Messages sent meanwhile wait and run once it works.</p>
      {control ? (
        <button type="button" class="btn" onClick={() => void p.model.send("machine.check_account", {})}>
          Check again
        </button>
      ) : null}
    </section>
  );
}
