import { signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { languageOf } from "./file-language.ts";
import { hastToPreact } from "./hast-to-preact.ts";

type Highlighter = typeof import("./highlighter.ts");

const highlighter = signal<Highlighter | null>(null);
let requested = false;

/**
 * A file's text in monospace, highlighted when its extension names a language the highlighter
 * knows and the file is small enough. The highlighter is a chunk of its own, fetched the first
 * time such a file is shown; the plain text shows until it comes, and stays if it cannot.
 */
export function FileText(p: { path: string; text: string; size: number }) {
  const language = languageOf(p.path, p.size);
  const loaded = highlighter.value;
  useEffect(() => {
    if (language) requestHighlighter();
  }, [language]);
  const tokens = useMemo(
    () => (loaded && language ? hastToPreact(loaded.highlight(language, p.text)) : null),
    [loaded, language, p.text],
  );
  return <pre class="file-text">{tokens ?? p.text}</pre>;
}

function requestHighlighter(): void {
  if (requested) return;
  requested = true;
  import("./highlighter.ts").then(
    (m) => {
      highlighter.value = m;
    },
    (err: unknown) => {
      // The next file shown asks again; this one stays plain text, which is all it needs.
      requested = false;
      console.error("tether: could not load the highlighter", err);
    },
  );
}
