import { useState } from "preact/hooks";
import { planOf } from "../../../../shared/core/prompts/prompt-input.ts";
import type { PermissionMode, TolerantPermissionRequest } from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { Markdown } from "./markdown.tsx";
import { usePromptAnswer } from "./prompt-answer.ts";
import { PromptSheet } from "./prompt-sheet.tsx";

/** The modes an approved plan may continue in, in the words the sheet offers them. */
export const PLAN_MODES: readonly { mode: PermissionMode; label: string }[] = [
  { mode: "default", label: "Ask before edits" },
  { mode: "acceptEdits", label: "Accept edits" },
];

/** Told to Claude when the person keeps planning without saying why. */
const KEEP_PLANNING = "The user did not approve the plan yet: keep planning.";

/**
 * Claude's plan (ExitPlanMode), rendered as markdown. "Approve" lets Claude leave plan mode in the
 * chosen mode; "Keep planning" sends the feedback to Claude as the deny message (docs/protocol.md
 * §9.6.1). A plan never offers "Allow for this session".
 */
export function PlanSheet(p: {
  model: RoomModel;
  req: TolerantPermissionRequest;
  queued: number;
  refusal?: string | undefined;
  onClose?: (() => void) | undefined;
}) {
  const [mode, setMode] = useState<PermissionMode>("default");
  const [feedback, setFeedback] = useState("");
  const { busy, error, send, dialog } = usePromptAnswer(p.model, p.req.requestId);
  const plan = planOf(p.req.input);
  const keepPlanning = () => void send({ decision: "deny", message: feedback.trim() || KEEP_PLANNING });
  return (
    <PromptSheet
      dialog={dialog}
      id="plan"
      class="plan-sheet"
      title="Approve Claude's plan?"
      queued={p.queued}
      onClose={p.onClose}
    >
      <div class="sheet-body" role="document" aria-label="Plan">
        {plan ? (
          <Markdown text={plan} class="plan-md" />
        ) : (
          <p class="muted">Claude Code sent no plan text with this request.</p>
        )}
        {p.req.truncated ? <p class="muted small">The plan was shortened to fit.</p> : null}
      </div>
      <fieldset class="plan-mode" disabled={busy}>
        <legend>After approving</legend>
        {PLAN_MODES.map((m) => (
          <label key={m.mode} class="choice">
            <input type="radio" name="plan-mode" checked={mode === m.mode} onChange={() => setMode(m.mode)} />
            <span class="choice-label">{m.label}</span>
          </label>
        ))}
      </fieldset>
      <label class="deny-msg">
        Feedback if you keep planning (optional)
        <textarea
          rows={2}
          value={feedback}
          onInput={(e) => setFeedback(e.currentTarget.value)}
          disabled={busy}
        />
      </label>
      {error || p.refusal ? (
        <p class="error" role="alert">
          {error ?? `The bridge refused the answer: ${p.refusal}`}
        </p>
      ) : null}
      <div class="sheet-actions">
        <button type="button" class="btn" disabled={busy} onClick={keepPlanning}>
          Keep planning
        </button>
        <button
          type="button"
          class="btn primary"
          disabled={busy}
          onClick={() => void send({ decision: "allow", mode })}
        >
          Approve
        </button>
      </div>
    </PromptSheet>
  );
}
