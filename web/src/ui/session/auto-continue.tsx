import { useEffect, useState } from "preact/hooks";
import type { RoomModel } from "../../state/room-model.ts";

/**
 * Per session: whether a message stopped by a usage limit continues by itself after the reset.
 * The box shows what was asked at once and holds it until session.info says the bridge has it
 * (it would flip back for a moment otherwise, and a quick second tap would be lost).
 */
export function AutoContinueToggle(p: { model: RoomModel; on: boolean }) {
  const [asked, setAsked] = useState<boolean | null>(null);
  useEffect(() => {
    if (asked === p.on) setAsked(null);
  }, [asked, p.on]);
  const choose = (on: boolean) => {
    setAsked(on);
    void p.model.send("session.command", { name: "set_auto_continue", value: on });
  };
  return (
    <label class="toggle">
      <input type="checkbox" checked={asked ?? p.on} onChange={(e) => choose(e.currentTarget.checked)} />
      Continue by itself after a usage limit resets
    </label>
  );
}
