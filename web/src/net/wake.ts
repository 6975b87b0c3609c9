import { signal } from "@preact/signals";

/** Whether the browser believes it has a network (it may be wrong in the optimistic direction). */
export const online = signal(navigator.onLine);

type Listener = { wake(): void; hide(): void };
const listeners = new Set<Listener>();

/**
 * docs/protocol.md §8: reconnect at once on `online`, visible, `pageshow` and focus; stop pinging
 * while hidden. One set of window listeners fans out to every open room.
 */
export function onWake(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function installWake(): void {
  const wake = () => {
    if (document.visibilityState === "hidden") return;
    for (const l of listeners) l.wake();
  };
  window.addEventListener("online", () => {
    online.value = true;
    wake();
  });
  window.addEventListener("offline", () => {
    online.value = false;
  });
  window.addEventListener("pageshow", wake);
  window.addEventListener("focus", wake);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") return wake();
    for (const l of listeners) l.hide();
  });
  // pagehide covers the bfcache and closing the tab, where visibilitychange may not fire.
  window.addEventListener("pagehide", () => {
    for (const l of listeners) l.hide();
  });
}
