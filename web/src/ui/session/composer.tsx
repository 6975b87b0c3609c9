import { useEffect, useRef, useState } from "preact/hooks";
import type { CommandEntry } from "../../../../shared/protocol/index.ts";
import { DRAFT_KEY } from "../../lib/storage-keys.ts";
import { sendWithFiles } from "../../state/attach-send.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { inserted } from "../../state/slash-filter.ts";
import { useAttachments } from "./attach-tray.tsx";
import { useDictation } from "./dictation.ts";
import { LineIcon } from "./line-icon.tsx";
import { useSlashPicker } from "./slash-picker.tsx";

/**
 * The message box. The draft is written to localStorage on every keystroke (synchronous, so a
 * reload cannot lose it); Send makes the message durable in the IndexedDB outbox before the draft
 * is cleared, so there is no moment where the text exists nowhere. Attached files are queued, chunk
 * by chunk, before the message that names them (attach-send.ts).
 */
export function Composer(p: {
  model: RoomModel;
  running: boolean;
  disabled: boolean;
  /** The placeholder instead of the usual one (a terminal session's, which says where a message goes). */
  hint?: string | null;
  /** The session's commands (session.commands), offered when the box starts with `/`. */
  commands?: readonly CommandEntry[];
}) {
  const key = DRAFT_KEY + p.model.room;
  const [text, setText] = useState(() => localStorage.getItem(key) ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  /** The box's text right now (a send completes after the render that started it). */
  const current = useRef(text);
  const files = useAttachments(p.model.room);
  useEffect(() => {
    current.current = localStorage.getItem(key) ?? "";
    setText(current.current);
  }, [key]);

  const edit = (value: string) => {
    current.current = value;
    setText(value);
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  };
  const send = async (e?: Event, what = current.current) => {
    e?.preventDefault();
    const body = what.trim();
    const attached = files.files;
    if ((!body && attached.length === 0) || busy || files.preparing > 0) return;
    setBusy(true);
    const r =
      attached.length > 0
        ? await sendWithFiles(p.model, body, attached)
        : await p.model.send("user.message", { text: body });
    setBusy(false);
    if (!r.ok) return setError(`Not sent: ${r.message}`);
    setError(null);
    if (attached.length > 0) files.clear();
    // Only the text that was sent goes: what was typed meanwhile stays in the box.
    if (current.current.trim() === body) edit("");
    area.current?.focus();
  };
  const slash = useSlashPicker(text, p.commands ?? [], (name) => {
    edit(inserted(name));
    area.current?.focus();
  });
  const onKey = (e: KeyboardEvent) => {
    if (slash.onKey(e)) return;
    // Enter is a newline on a phone keyboard; Ctrl/Cmd+Enter sends from a hardware keyboard.
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
  };
  const interrupt = () => void p.model.send("session.interrupt", {});
  const dictation = useDictation({
    text: () => current.current,
    show: edit,
    done: (heard) => void send(undefined, heard),
  });
  return (
    <form class="composer" onSubmit={(e) => void send(e)}>
      {!p.disabled && !p.model.sealable.value ? (
        <p class="waiting" role="status" data-testid="waiting-key">
          Waiting for the machine's key to this session — what you type stays here until it comes.
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {p.disabled ? null : slash.view}
      {p.disabled ? null : files.tray}
      {dictation.error ? (
        <p class="error" role="alert">
          {dictation.error}
        </p>
      ) : null}
      {dictation.listening ? (
        <div class="dictation" aria-live="polite">
          <span>Listening…</span>
          <label class="toggle">
            <input
              type="checkbox"
              checked={dictation.autoSend}
              onChange={(e) => dictation.setAutoSend(e.currentTarget.checked)}
            />
            Send when I stop talking
          </label>
        </div>
      ) : null}
      <div class="composer-row">
        <label class="sr-only" for="composer-text">
          Message to Claude
        </label>
        <textarea
          id="composer-text"
          ref={area}
          value={text}
          rows={1}
          placeholder={p.disabled ? "Sending is not possible here" : (p.hint ?? "Message Claude…")}
          disabled={p.disabled}
          onInput={(e) => edit(e.currentTarget.value)}
          onKeyDown={onKey}
          onPaste={(e) => {
            // A screenshot pasted on a desktop browser is attached; pasted text goes in as usual.
            const pasted = [...(e.clipboardData?.files ?? [])];
            if (pasted.length === 0) return;
            e.preventDefault();
            void files.add(pasted);
          }}
        />
        {p.disabled ? null : files.button(busy)}
        {p.running ? (
          <button type="button" class="btn danger" onClick={interrupt} disabled={p.disabled}>
            Stop
          </button>
        ) : null}
        {dictation.available && !p.disabled ? (
          <button
            type="button"
            class="btn mic"
            aria-label={dictation.listening ? "Stop dictation" : "Dictate"}
            aria-pressed={dictation.listening}
            onClick={dictation.toggle}
          >
            <MicIcon />
          </button>
        ) : null}
        <button
          type="submit"
          class="btn primary"
          disabled={
            p.disabled || busy || files.preparing > 0 || (text.trim() === "" && files.files.length === 0)
          }
        >
          Send
        </button>
      </div>
    </form>
  );
}

/** A microphone. */
function MicIcon() {
  return (
    <LineIcon>
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3" stroke-linecap="round" />
    </LineIcon>
  );
}
