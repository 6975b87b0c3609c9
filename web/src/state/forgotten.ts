import { signal } from "@preact/signals";
import { FORGOTTEN_KEY } from "../lib/storage-keys.ts";

// Apart from forget.ts (which wipes rooms and needs the protocol) so that the first screen can say
// what was forgotten without loading the room machinery.

/**
 * What this tab has wiped, so the UI can say so, also after a reload: machine ids, and rooms as
 * `share:<room>` or `device:<room>`. Kept in sessionStorage (the tab's, gone with it), never in
 * IndexedDB, which holds nothing of a forgotten machine.
 */
export const forgotten = signal<ReadonlySet<string>>(loadForgotten());

/** Notes what was wiped, for this tab and its reloads. */
export function mark(keys: string[]): void {
  forgotten.value = new Set([...forgotten.value, ...keys]);
  sessionStorage.setItem(FORGOTTEN_KEY, JSON.stringify([...forgotten.value]));
}

function loadForgotten(): Set<string> {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(FORGOTTEN_KEY) ?? "[]");
    return new Set(Array.isArray(stored) ? stored.filter((k): k is string => typeof k === "string") : []);
  } catch {
    // Not JSON: written by something else; nothing to say then.
    return new Set();
  }
}
