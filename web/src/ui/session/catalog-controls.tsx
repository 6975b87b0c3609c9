import type { TolerantSessionInfo } from "../../../../shared/protocol/index.ts";
import { type CatalogView, chosenModel } from "../../state/catalog-fold.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { sendCompact } from "./context-meter.tsx";

/**
 * The session menu's model picker: exactly the models the session's Claude Code listed
 * (session.commands), the current one chosen; why a change was refused shows beneath it.
 */
export function ModelPicker(p: { model: RoomModel; info: TolerantSessionInfo | null; catalog: CatalogView }) {
  const { models, context, modelRefusal } = p.catalog;
  if (models.length === 0) return null;
  const chosen = chosenModel(p.info?.model, models);
  const listed = models.some((m) => m.value === chosen);
  const choose = (value: string) => void p.model.send("session.command", { name: "set_model", value });
  return (
    <div class="model-picker">
      <label>
        Model
        <select value={chosen} onChange={(e) => choose(e.currentTarget.value)}>
          {listed ? null : <option value={chosen}>{chosen}</option>}
          {models.map((m) => (
            <option key={m.value} value={m.value} title={m.description}>
              {m.displayName}
            </option>
          ))}
        </select>
      </label>
      {context?.model ? <p class="sub">Now answering: {context.model}</p> : null}
      <Refusal text={modelRefusal} />
    </div>
  );
}

export function CompactButton(p: { model: RoomModel }) {
  return (
    <button type="button" class="btn" onClick={() => sendCompact(p.model)}>
      Compact context (/compact)
    </button>
  );
}

/** Why the bridge refused the latest change of this control, beside it. */
export function Refusal(p: { text: string | null }) {
  if (!p.text) return null;
  return (
    <p class="error control-refusal" role="alert">
      {p.text}
    </p>
  );
}
