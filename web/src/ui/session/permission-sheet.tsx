import { useEffect, useRef, useState } from "preact/hooks";
import { questionsOf } from "../../../../shared/core/prompts/prompt-input.ts";
import {
  type PermissionResponse,
  promptKind,
  type TolerantPermissionRequest,
} from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { PlanSheet } from "./plan-sheet.tsx";
import { PromptSheet } from "./prompt-sheet.tsx";
import { QuestionSheet } from "./question-sheet.tsx";
import { summary, ToolInput } from "./tool-card.tsx";

type Answer = Omit<PermissionResponse, "requestId">;

type SheetProps = {
  model: RoomModel;
  req: TolerantPermissionRequest;
  queued: number;
  /** Why the bridge refused the last answer to this prompt. */
  refusal?: string | undefined;
  /** Given by the inbox: the sheet can be put off without an answer. */
  onClose?: (() => void) | undefined;
};

/**
 * The sheet for a prompt's kind (the bridge's hint, else the tool's name): a question to answer, a
 * plan to approve, or a tool to allow. A question whose input this app cannot read (or that was
 * shortened, so its answers could not be sent whole) gets the plain sheet, which can still answer.
 */
export function PermissionSheet(p: SheetProps) {
  const kind = promptKind(p.req);
  const questions = kind === "question" && !p.req.truncated ? questionsOf(p.req.input) : null;
  if (questions) return <QuestionSheet key={p.req.requestId} {...p} questions={questions} />;
  if (kind === "plan") return <PlanSheet key={p.req.requestId} {...p} />;
  return <ToolSheet {...p} />;
}

/**
 * A pending permission prompt. It is derived from the room log (a request nobody answered and the
 * bridge has not resolved), so it stays until answered here or elsewhere, or cancelled, and comes
 * back after a reload.
 */
function ToolSheet(p: SheetProps) {
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLElement>(null);
  const id = p.req.requestId;
  useEffect(() => {
    setMessage("");
    setError(null);
    setBusy(false);
    // Focus the dialog itself, not a button: a stray Enter must not answer for the user.
    dialog.current?.focus();
  }, [id]);
  const answer = async (a: Answer) => {
    setBusy(true);
    const r = await p.model.send("permission.response", { requestId: id, ...a });
    if (!r.ok) {
      setBusy(false);
      setError(`Could not send the answer: ${r.message}`);
    }
  };
  const deny = () => answer({ decision: "deny", ...(message.trim() ? { message: message.trim() } : {}) });
  return (
    <PromptSheet
      dialog={dialog}
      id="perm"
      title={`Allow ${p.req.toolName}?`}
      queued={p.queued}
      describedBy="perm-sum"
      onClose={p.onClose}
    >
      <p id="perm-sum" class="perm-sum">
        {p.req.title ?? summary(p.req.toolName, p.req.input)}
      </p>
      <div class="sheet-body">
        <ToolInput name={p.req.toolName} input={p.req.input} />
      </div>
      <label class="deny-msg">
        Message to Claude if you deny (optional)
        <input value={message} onInput={(e) => setMessage(e.currentTarget.value)} disabled={busy} />
      </label>
      {error || p.refusal ? (
        <p class="error" role="alert">
          {error ?? `The bridge refused the answer: ${p.refusal}`}
        </p>
      ) : null}
      <div class="sheet-actions">
        <button type="button" class="btn danger" disabled={busy} onClick={() => void deny()}>
          Deny
        </button>
        {p.req.sessionGrant ? (
          <button
            type="button"
            class="btn"
            disabled={busy}
            onClick={() => void answer({ decision: "allow", remember: true })}
          >
            Allow for this session: {p.req.sessionGrant}
          </button>
        ) : null}
        <button
          type="button"
          class="btn primary"
          disabled={busy}
          onClick={() => void answer({ decision: "allow" })}
        >
          Allow
        </button>
      </div>
    </PromptSheet>
  );
}
