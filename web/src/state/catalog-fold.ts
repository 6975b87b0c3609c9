import type {
  CommandEntry,
  ModelEntry,
  StoredMsg,
  TolerantSessionContext,
} from "../../../shared/protocol/index.ts";
import { readBody } from "./bodies.ts";

/**
 * What the session's Claude Code offers (its commands and models), how full its context is, and
 * why the last change of mode or model was refused, folded from the room log (docs/protocol.md
 * §9.10). Pure, like session-fold.ts.
 */
export type CatalogView = {
  commands: CommandEntry[];
  models: ModelEntry[];
  context: TolerantSessionContext | null;
  /** Why the latest set_permission_mode was refused; null when it was not (or none was sent). */
  modeRefusal: string | null;
  /** Why the latest set_model was refused. */
  modelRefusal: string | null;
};

/** From this fill on, the session offers to compact its context. */
export const HIGH_CONTEXT_PERCENT = 70;

const MODE_CODES = new Set(["bad_permission_mode", "bad_command", "command_failed"]);
const MODEL_CODES = new Set(["bad_model", "bad_command", "command_failed"]);

export function foldCatalog(msgs: readonly StoredMsg[]): CatalogView {
  const view: CatalogView = {
    commands: [],
    models: [],
    context: null,
    modeRefusal: null,
    modelRefusal: null,
  };
  /** mid → which control a stored session.command changed; only the latest of each counts. */
  const latest = { mode: "", model: "" };
  for (const m of msgs) {
    switch (m.kind) {
      case "session.commands": {
        const b = readBody("session.commands", m.body);
        if (b) Object.assign(view, { commands: b.commands, models: b.models });
        break;
      }
      case "session.context":
        view.context = readBody("session.context", m.body) ?? view.context;
        break;
      case "session.command":
        command(view, latest, m);
        break;
      case "session.notice": {
        const b = readBody("session.notice", m.body);
        if (!b?.inputMid) break;
        if (b.inputMid === latest.mode && MODE_CODES.has(b.code)) view.modeRefusal = b.text;
        if (b.inputMid === latest.model && MODEL_CODES.has(b.code)) view.modelRefusal = b.text;
        break;
      }
    }
  }
  return view;
}

/** A new attempt clears the refusal of the one before; its own notice, if any, comes later. */
function command(view: CatalogView, latest: { mode: string; model: string }, m: StoredMsg): void {
  if (m.role !== "controller") return;
  const name = (m.body as { name?: unknown } | null)?.name;
  if (name === "set_permission_mode") {
    latest.mode = m.mid;
    view.modeRefusal = null;
  } else if (name === "set_model") {
    latest.model = m.mid;
    view.modelRefusal = null;
  }
}

/** The context fill as words: "62% of context". */
export function contextLabel(c: TolerantSessionContext): string {
  return `${Math.round(c.percent)}% of context`;
}

/** The model the picker shows as chosen: the session's, else the CLI's default entry. */
export function chosenModel(infoModel: string | null | undefined, models: readonly ModelEntry[]): string {
  if (infoModel) return infoModel;
  return models.find((m) => m.value === "default")?.value ?? models[0]?.value ?? "";
}
