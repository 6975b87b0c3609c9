import type { RoomModel } from "../../state/room-model.ts";

/** Per session: whether a message stopped by a usage limit continues by itself after the reset. */
export function AutoContinueToggle(p: { model: RoomModel; on: boolean }) {
  return (
    <label class="toggle">
      <input
        type="checkbox"
        checked={p.on}
        onChange={(e) =>
          void p.model.send("session.command", { name: "set_auto_continue", value: e.currentTarget.checked })
        }
      />
      Continue by itself after a usage limit resets
    </label>
  );
}
