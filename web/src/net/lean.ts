import type { StoredMsg } from "../../../shared/protocol/frames.ts";

/**
 * A stored message as this device keeps it: an attachment's chunk without its data (up to 256 KB
 * each). The bridge is the one that needs the bytes; the transcript shows the preview and name the
 * user.message carries (docs/protocol.md §9.5.1), so memory and IndexedDB hold no photo twice.
 */
export function lean(m: StoredMsg): StoredMsg {
  return m.kind === "attachment.chunk" ? { ...m, body: null } : m;
}
