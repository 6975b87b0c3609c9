import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Refusal, refusal, sizeText } from "../../../../shared/core/attachments/policy.ts";
import { AttachmentLimits } from "../../../../shared/protocol/attachment.ts";
import { loadDraftFiles, saveDraftFiles } from "../../lib/attach-draft.ts";
import { isRefusal, prepareFile, type Ready } from "../../lib/attach-prepare.ts";
import { LineIcon } from "./line-icon.tsx";

/** What types the picker offers: images (camera or library) and text files. */
const ACCEPT = "image/*,text/*,.log,.md,.csv,.json,.yaml,.yml,.toml,.xml,.txt";

export type Attachments = {
  files: readonly Ready[];
  preparing: number;
  /** Picked files and pasted images go through here. */
  add: (list: Iterable<File>) => Promise<void>;
  clear: () => void;
  /** The paperclip button and its hidden file input. */
  button: (disabled: boolean) => JSX.Element;
  /** The picked files with their previews, and the refusals. */
  tray: JSX.Element | null;
};

/**
 * The files of the message being written: shrunk and checked as they are picked (a refusal is
 * shown at once, typed), kept in IndexedDB until Send queued them, so a reload or a page the phone
 * dropped meanwhile still has them, as the text box keeps its text.
 */
export function useAttachments(room: string): Attachments {
  const [files, setFiles] = useState<readonly Ready[]>([]);
  const [refusals, setRefusals] = useState<readonly Refusal[]>([]);
  const [preparing, setPreparing] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  /** The files right now, also for adds that finish after a render. */
  const current = useRef<readonly Ready[]>([]);

  const set = (next: readonly Ready[]) => {
    current.current = next;
    setFiles(next);
    void saveDraftFiles(room, next).catch((err: unknown) =>
      console.error("tether: could not keep the picked files", err),
    );
  };
  useEffect(() => {
    let live = true;
    current.current = [];
    setFiles([]);
    void loadDraftFiles(room).then((kept) => {
      // Files picked while loading come after the kept ones.
      if (!live || kept.length === 0) return;
      const picked = current.current;
      if (picked.length === 0) {
        current.current = kept;
        setFiles(kept);
      } else set([...kept, ...picked].slice(0, AttachmentLimits.perMessage));
    });
    return () => {
      live = false;
    };
  }, [room]);
  const add = async (list: Iterable<File>) => {
    const picked = [...list];
    if (picked.length === 0) return;
    setPreparing((n) => n + picked.length);
    const refused: Refusal[] = [];
    for (const file of picked) {
      const r = await prepareFile(file);
      setPreparing((n) => n - 1);
      if (isRefusal(r)) refused.push(r);
      else if (current.current.length >= AttachmentLimits.perMessage)
        refused.push(refusal("too_many", r.name));
      else set([...current.current, r]);
    }
    setRefusals(refused);
  };
  const remove = (i: number) => set(current.current.filter((_, j) => j !== i));
  const clear = () => {
    set([]);
    setRefusals([]);
  };

  const button = (disabled: boolean) => (
    <>
      <input
        ref={input}
        type="file"
        class="sr-only"
        accept={ACCEPT}
        multiple
        tabIndex={-1}
        aria-label="Attach photos or files"
        onChange={(e) => {
          const chosen = e.currentTarget.files;
          void add(chosen ? [...chosen] : []);
          e.currentTarget.value = "";
        }}
      />
      <button
        type="button"
        class="btn attach"
        aria-label="Attach"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <ClipIcon />
      </button>
    </>
  );

  const shown = files.length > 0 || refusals.length > 0 || preparing > 0;
  const tray = shown ? (
    <div class="attach-tray">
      {refusals.map((r) => (
        <p key={`${r.code}:${r.name}`} class="error" role="alert" data-code={r.code}>
          {r.text}
        </p>
      ))}
      {files.length > 0 || preparing > 0 ? (
        <ul class="attach-list" aria-label="Attachments">
          {files.map((f, i) => (
            <li key={`${i}:${f.name}`} class="attach-item">
              <FilePreview name={f.name} thumb={f.thumb} bytes={f.bytes.length} />
              <button
                type="button"
                class="icon-btn"
                aria-label={`Remove ${f.name}`}
                onClick={() => remove(i)}
              >
                ×
              </button>
            </li>
          ))}
          {preparing > 0 ? <li class="attach-item muted">Preparing…</li> : null}
        </ul>
      ) : null}
    </div>
  ) : null;

  return { files, preparing, add, clear, button, tray };
}

/** A file as every device shows it: its preview (images) or a page mark, the name and size. */
export function FilePreview(p: { name: string; thumb?: string | undefined; bytes: number }) {
  return (
    <span class="file-preview">
      {p.thumb ? (
        <img src={p.thumb} alt={`Preview of ${p.name}`} width={48} height={48} />
      ) : (
        <span class="file-mark" aria-hidden="true" />
      )}
      <span class="file-name">{p.name}</span>
      <span class="muted">{sizeText(p.bytes)}</span>
    </span>
  );
}

/** A paperclip. */
function ClipIcon() {
  return (
    <LineIcon>
      <path
        d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </LineIcon>
  );
}
