import { useEffect, useRef, useState } from "preact/hooks";
import { type PermissionResponse, promptKind } from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";

export type PromptAnswer = Omit<PermissionResponse, "requestId">;

/**
 * Sending one prompt's answer from a sheet: busy while it goes into the outbox, the error when it
 * could not. The sheet itself closes when the log shows the answer (session-overlay.ts), so a
 * reload or another device shows the same thing. The dialog, not a button, takes the focus: a
 * stray Enter must not answer for the person.
 */
export function usePromptAnswer(model: RoomModel, requestId: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLElement>(null);
  useEffect(() => {
    setBusy(false);
    setError(null);
    dialog.current?.focus();
  }, [requestId]);
  const send = async (a: PromptAnswer) => {
    setBusy(true);
    const r = await model.send("permission.response", { requestId, ...a });
    if (!r.ok) {
      setBusy(false);
      setError(`Could not send the answer: ${r.message}`);
    }
  };
  return { busy, error, send, dialog };
}

/** What Claude waits for, for a device that cannot answer (a viewer). */
export function waitingText(req: { kind?: string | undefined; toolName: string }): string {
  const kind = promptKind(req);
  if (kind === "question") return "Claude is waiting for an answer to its question.";
  if (kind === "plan") return "Claude is waiting for its plan to be approved.";
  return `Claude is waiting for permission to use ${req.toolName}.`;
}
