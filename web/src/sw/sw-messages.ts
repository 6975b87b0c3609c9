/**
 * What the page and the service worker say to each other (web/src/sw/shell.ts and
 * web/src/net/app-shell.ts). Each side checks what it receives: a message may come from an older
 * or newer version of the other.
 */

/** Page → worker. */
export type ToWorker =
  /** Asks the controlling worker which shell it serves and whether this page came from its cache. */
  | { type: "tether:status" }
  /** Asks a waiting worker to take over now: the page reloads when it does. */
  | { type: "tether:skip-waiting" }
  /**
   * At the app's open: a waiting worker takes over only if this is the app's one window. It
   * answers `true` (taking over) or `false` on the message's port.
   */
  | { type: "tether:apply-if-alone" };

/** Worker → page, the answer to `tether:status` (on the message's port). */
export type ShellStatus = {
  type: "tether:status";
  version: string;
  /** The network did not answer this page's navigation in time: it is the cached app. */
  servedFromCache: boolean;
};

const TO_WORKER: ReadonlySet<string> = new Set([
  "tether:status",
  "tether:skip-waiting",
  "tether:apply-if-alone",
]);

export function isToWorker(data: unknown): data is ToWorker {
  return (
    typeof data === "object" && data !== null && TO_WORKER.has(String((data as { type?: unknown }).type))
  );
}

export function isShellStatus(data: unknown): data is ShellStatus {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Partial<ShellStatus>;
  return (
    d.type === "tether:status" && typeof d.version === "string" && typeof d.servedFromCache === "boolean"
  );
}
