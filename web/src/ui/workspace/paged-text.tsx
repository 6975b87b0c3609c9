import { useEffect, useRef, useState } from "preact/hooks";
import type { Asked, WorkspaceAsker } from "../../state/workspace-asker.ts";
import { Notice } from "../common.tsx";
import { DiffLines } from "../session/diff-view.tsx";
import { parseUnified } from "../session/unified-diff.ts";
import { FileText } from "./file-text.tsx";

/** Lines a diff shows at most; more pages can still be loaded, and the rest is counted. */
const MAX_DIFF_LINES = 5000;

type Loaded = { text: string; size: number; next: number | undefined };

/**
 * One file's diff or text, a page at a time (docs/protocol.md §9.3.1): the first page on open and
 * again whenever `version` changes (a turn ended, Refresh), the next ones on "Load more".
 */
export function PagedText(p: {
  asker: WorkspaceAsker;
  cwd: string;
  path: string;
  what: "diff" | "file";
  version: number;
}) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only the latest load may land: an older one (another file, or before a refresh) is dropped.
  const latest = useRef(0);
  useEffect(
    () => () => {
      latest.current = -1;
    },
    [],
  );

  const load = (offset: number, before: Loaded | null) => {
    const mine = ++latest.current;
    setBusy(true);
    void p.asker.ask({ cwd: p.cwd, what: p.what, path: p.path, offset }).then((a) => {
      if (mine !== latest.current) return;
      setBusy(false);
      const page = pageOf(a, p.what);
      if (typeof page === "string") {
        // A refused first page leaves nothing of what was shown before; a refused later one keeps it.
        if (before === null) setLoaded(null);
        return setRefusal(page);
      }
      setRefusal(null);
      setLoaded({ text: (before?.text ?? "") + page.text, size: page.size, next: page.next });
    });
  };
  // A new file, mode or version starts over from the first page.
  useEffect(() => load(0, null), [p.asker, p.cwd, p.path, p.what, p.version]);

  const label = `${p.what === "diff" ? "Diff" : "File"} of ${p.path}`;
  return (
    <section class="paged" aria-label={label} aria-busy={busy}>
      {refusal ? <Notice level="warn">{refusal}</Notice> : null}
      {!loaded && !refusal ? <p class="muted">Asking the bridge…</p> : null}
      {loaded && p.what === "diff" ? (
        loaded.text === "" ? (
          <p class="muted">No changes in this file.</p>
        ) : (
          <DiffLines lines={parseUnified(loaded.text)} label={p.path} max={MAX_DIFF_LINES} />
        )
      ) : null}
      {loaded && p.what === "file" ? <FileText path={p.path} text={loaded.text} size={loaded.size} /> : null}
      {loaded?.next !== undefined ? (
        <button
          type="button"
          class="btn small"
          disabled={busy}
          onClick={() => load(loaded.next ?? 0, loaded)}
        >
          Load more ({kib(loaded.size - loaded.next)} left)
        </button>
      ) : null}
    </section>
  );
}

/** A page of the kind asked for, or the words to show instead. */
function pageOf(
  a: Asked,
  what: "diff" | "file",
): { text: string; size: number; next: number | undefined } | string {
  if (!a.ok) return a.message;
  const b = a.answer;
  if (b.what === "refused") return b.text;
  if (b.what !== what) return "The bridge answered something else.";
  return { text: b.text, size: b.size, next: b.nextOffset };
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${Math.ceil(bytes / 1024)} KiB`;
}
