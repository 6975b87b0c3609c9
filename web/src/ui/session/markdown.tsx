import { micromark } from "micromark";
import { useEffect, useMemo, useRef } from "preact/hooks";

/**
 * CommonMark without raw HTML: micromark escapes HTML and unsafe link protocols by default.
 * Images are turned off as well, since an image would make the phone fetch from any origin.
 */
const options = { extensions: [{ disable: { null: ["labelStartImage"] } }] };

export function Markdown(p: { text: string; class?: string }) {
  const html = useMemo(() => micromark(p.text, options), [p.text]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Links leave the app in a new tab and tell the target nothing about where they came from.
    for (const a of ref.current?.querySelectorAll("a") ?? []) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
  }, [html]);
  // Safe: micromark output with HTML escaped (see options above).
  return <div ref={ref} class={`md ${p.class ?? ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
