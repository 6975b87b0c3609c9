/**
 * Which requests the service worker answers, and how. Pure, so that the rule that matters most —
 * the relay's API and sockets are never intercepted or cached — is tested on its own.
 *
 * - `page`: a navigation of this origin: the cached app (cache first), the network without one.
 * - `shell`: a file of the precached app shell: from the cache.
 * - `pass`: everything else goes to the network untouched (the worker does not call respondWith).
 */
export type ShellRoute = "page" | "shell" | "pass";

export type RouteInput = { method: string; url: string; mode: string };

/** The relay's own routes (docs/protocol.md §3, §4): live data, never the app. */
const RELAY_PATHS = /^\/(?:api|v1)(?:\/|$)|^\/healthz$/;
/** The worker's own script: the browser fetches it itself to look for updates. */
const WORKER_SCRIPT = "/sw.js";

export function shellRoute(req: RouteInput, origin: string, precached: ReadonlySet<string>): ShellRoute {
  if (req.method !== "GET") return "pass";
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return "pass";
  }
  if (url.origin !== origin) return "pass";
  if (RELAY_PATHS.test(url.pathname) || url.pathname === WORKER_SCRIPT) return "pass";
  if (req.mode === "navigate") return "page";
  // A query string asks for something else than the file the build hashed.
  if (url.search === "" && precached.has(url.pathname)) return "shell";
  return "pass";
}
