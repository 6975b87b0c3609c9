import type { SessionGrant } from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";

/** What "Allow for this session" granted, each with a button that withdraws it at once. */
export function GrantList(p: { model: RoomModel; grants: readonly SessionGrant[] }) {
  if (p.grants.length === 0) return <p class="muted small">No "allow for this session" grants.</p>;
  return (
    <div class="grants">
      <p class="small">Allowed for this session:</p>
      <ul aria-label="Allowed for this session">
        {p.grants.map((g) => (
          <li key={g.rule}>
            <span>{g.label}</span>{" "}
            <button
              type="button"
              class="btn small"
              aria-label={`Revoke: ${g.label}`}
              onClick={() => void p.model.send("session.command", { name: "revoke_grant", value: g.rule })}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
