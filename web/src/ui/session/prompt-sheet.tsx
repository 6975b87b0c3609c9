import type { ComponentChildren, RefObject } from "preact";

/**
 * The frame every prompt sheet shares (a tool's permission, Claude's questions, a plan): a modal
 * dialog at the bottom of the screen, its title, and how many more prompts wait behind it. The
 * dialog itself takes the focus (the caller's `dialog` ref), so a stray Enter answers nothing.
 * Opened from the inbox, it can also be put off ("Not now").
 */
export function PromptSheet(p: {
  dialog: RefObject<HTMLElement | null>;
  id: string;
  class?: string;
  title: ComponentChildren;
  queued: number;
  describedBy?: string;
  /** Opened from the inbox: the person may leave it for later (in a session it stays until answered). */
  onClose?: (() => void) | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class="sheet-backdrop">
      <section
        ref={p.dialog}
        tabIndex={-1}
        class={p.class ? `sheet ${p.class}` : "sheet"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${p.id}-title`}
        aria-describedby={p.describedBy}
      >
        <h2 id={`${p.id}-title`}>
          {p.title}
          {p.queued > 1 ? <span class="muted small"> (1 of {p.queued})</span> : null}
        </h2>
        {p.onClose ? (
          <button type="button" class="btn small sheet-close" onClick={p.onClose}>
            Not now
          </button>
        ) : null}
        {p.children}
      </section>
    </div>
  );
}
