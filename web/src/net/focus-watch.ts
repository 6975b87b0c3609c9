/**
 * Tells a room whether this page shows it, visible and focused (docs/protocol.md §11.3), as that
 * changes; returns the function that stops watching (and says "not focused").
 */
export function watchFocus(socket: { focus(on: boolean): void }): () => void {
  const say = () => socket.focus(document.visibilityState === "visible" && document.hasFocus());
  const events = ["visibilitychange", "focus", "blur", "pageshow", "pagehide"] as const;
  for (const e of events) window.addEventListener(e, say);
  document.addEventListener("visibilitychange", say);
  say();
  return () => {
    for (const e of events) window.removeEventListener(e, say);
    document.removeEventListener("visibilitychange", say);
    socket.focus(false);
  };
}
