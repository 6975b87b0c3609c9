import type { TolerantSessionContext } from "../../../../shared/protocol/index.ts";
import { contextLabel, HIGH_CONTEXT_PERCENT } from "../../state/catalog-fold.ts";
import type { RoomModel } from "../../state/room-model.ts";

/** Asks Claude Code to summarise the conversation: a plain `/compact`, a turn like any message. */
export function sendCompact(model: RoomModel): void {
  void model.send("user.message", { text: "/compact" });
}

/**
 * How full the context window is (session.context), as a thin bar under the top bar, with a
 * "Compact now" button once it is high.
 */
export function ContextMeter(p: {
  model: RoomModel;
  context: TolerantSessionContext | null;
  control: boolean;
}) {
  const c = p.context;
  if (!c) return null;
  const percent = Math.min(100, Math.max(0, Math.round(c.percent)));
  const high = percent >= HIGH_CONTEXT_PERCENT;
  const tokens = `${c.usedTokens.toLocaleString("en")} of ${c.maxTokens.toLocaleString("en")} tokens`;
  return (
    <div class={high ? "ctx high" : "ctx"} data-testid="context-meter">
      <meter
        class="ctx-bar"
        aria-label="Context used"
        min={0}
        max={100}
        high={HIGH_CONTEXT_PERCENT}
        value={percent}
        aria-valuetext={`${contextLabel(c)} (${tokens})`}
      />
      <span class="ctx-label" title={tokens}>
        {contextLabel(c)}
      </span>
      {high && p.control ? (
        <button type="button" class="btn ctx-compact" onClick={() => sendCompact(p.model)}>
          Compact now
        </button>
      ) : null}
    </div>
  );
}
