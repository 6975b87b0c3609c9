import type { ComponentChildren } from "preact";

/** A 22 px line drawing in the text's colour, inline (no icon font, nothing fetched). */
export function LineIcon(p: { children: ComponentChildren }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="22"
      height="22"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
    >
      {p.children}
    </svg>
  );
}
