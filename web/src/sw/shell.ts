import { shellRoute } from "./shell-route.ts";
import { isToWorker, type ShellStatus, type ToWorker } from "./sw-messages.ts";

/**
 * The app shell: every file of one build precached under that build's version, so the app opens
 * with no network; navigations network first (a new deploy is seen at once when online), the
 * cached app when the network fails or is too slow. The relay's API and sockets are never touched
 * (shell-route.ts). The worker never takes over by itself: a new version waits until a page asks
 * (the "Reload" banner, or the app's next open when it is the only window), or the app's last
 * window is gone. Chromium then swaps workers once the old one has no event in hand.
 */

/** What the build injects (web/scripts/build-sw.mjs): the shell's files and their joint hash. */
export type ShellManifest = { version: string; files: readonly string[] };

const CACHE_PREFIX = "tether-shell-";
/** The app's page: every route is the same index.html (the relay serves it as the SPA fallback). */
const APP = "/";
/**
 * How long a navigation waits for the network before the cached app is shown. The page's headers
 * come through the worker in ~20–40 ms on loopback (tests/web/offline.test.ts prints it) and in
 * some hundreds of ms on a healthy mobile link; a link that accepts connections but carries
 * nothing (a captive portal, Wi-Fi the phone still clings to) would keep the open blank for the
 * browser's own timeout, minutes. 3 s keeps a slow but live link on the fresh app; the dead-link
 * test sees the copy ~3.1 s after the open.
 */
export const NAVIGATION_TIMEOUT_MS = 3_000;
/** Enough to answer the pages of one burst of opens; older ids are long past asking. */
const REMEMBERED_CLIENTS = 32;

export function installShell(sw: ServiceWorkerGlobalScope, shell: ShellManifest): void {
  const cacheName = CACHE_PREFIX + shell.version;
  const precached = new Set(shell.files);
  /** Windows this worker answered with the cached app (for the page's offline indicator). */
  const servedFromCache: string[] = [];

  sw.addEventListener("install", (e) => e.waitUntil(precache(cacheName, shell.files)));
  sw.addEventListener("activate", (e) => e.waitUntil(activate(sw, cacheName)));
  sw.addEventListener("fetch", (e) => {
    const route = shellRoute(e.request, sw.location.origin, precached);
    if (route === "shell") e.respondWith(fromShell(cacheName, e.request));
    if (route === "page") e.respondWith(page(e, cacheName, servedFromCache));
  });
  sw.addEventListener("message", (e) => {
    if (!isToWorker(e.data)) return;
    e.waitUntil(answer(sw, e, e.data, { version: shell.version, servedFromCache }));
  });
}

/** All or nothing (addAll): a worker whose shell is incomplete never installs. */
async function precache(cacheName: string, files: readonly string[]): Promise<void> {
  const cache = await caches.open(cacheName);
  // Hashed assets never change under their name, so the HTTP cache may serve them; the page, the
  // manifest and the icons keep their names across builds and are revalidated.
  const requests = files.map(
    (f) => new Request(f, { cache: f.startsWith("/assets/") ? "default" : "no-cache" }),
  );
  await cache.addAll(requests);
}

async function activate(sw: ServiceWorkerGlobalScope, cacheName: string): Promise<void> {
  const names = await caches.keys();
  await Promise.all(
    names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== cacheName).map((n) => caches.delete(n)),
  );
  // Only pages without a worker are taken over here: a first visit becomes usable offline at once.
  // An update activates only when no page runs the old version or a page asked for it.
  await sw.clients.claim();
}

/**
 * A shell file: this version's copy, else any version's (a page that already runs a newer build
 * asks for that build's chunks, which a newer worker may have precached while it waits), else the
 * network.
 */
async function fromShell(cacheName: string, request: Request): Promise<Response> {
  const own = await (await caches.open(cacheName)).match(request);
  return own ?? (await caches.match(request)) ?? fetch(request);
}

/** Network first; the cached app when the network errs, fails (5xx) or is too slow. */
async function page(e: FetchEvent, cacheName: string, servedFromCache: string[]): Promise<Response> {
  const fresh = await network(e.request, NAVIGATION_TIMEOUT_MS);
  if (fresh !== null && fresh.status < 500) return fresh;
  const cached = await (await caches.open(cacheName)).match(APP);
  if (!cached) return fresh ?? Response.error();
  if (e.resultingClientId) {
    servedFromCache.push(e.resultingClientId);
    if (servedFromCache.length > REMEMBERED_CLIENTS) servedFromCache.shift();
  }
  return cached;
}

/** The network's answer once its headers are in, or null after a network error or `ms` without one. */
async function network(request: Request, ms: number): Promise<Response | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await fetch(request, { signal: abort.signal });
  } catch (err) {
    // Offline, refused, reset or timed out: all mean "use the copy"; the page says it is offline.
    console.info("tether sw: navigation falls back to the cached app", String(err));
    return null;
  } finally {
    clearTimeout(timer);
  }
}

type Known = { version: string; servedFromCache: readonly string[] };

async function answer(
  sw: ServiceWorkerGlobalScope,
  e: ExtendableMessageEvent,
  msg: ToWorker,
  known: Known,
): Promise<void> {
  switch (msg.type) {
    case "tether:status": {
      const id = e.source && "id" in e.source ? e.source.id : null;
      const status: ShellStatus = {
        type: "tether:status",
        version: known.version,
        servedFromCache: id !== null && known.servedFromCache.includes(id),
      };
      return e.ports[0]?.postMessage(status);
    }
    case "tether:skip-waiting":
      return sw.skipWaiting();
    case "tether:apply-if-alone": {
      const alone = await aloneSoon(sw);
      // Answered before taking over, so that the page knows the coming controllerchange is its own.
      e.ports[0]?.postMessage(alone);
      if (alone) await sw.skipWaiting();
      return;
    }
  }
}

/** How often, and how far apart, a waiting worker looks for the app's other windows. */
const ALONE_CHECKS = 6;
const ALONE_CHECK_EVERY_MS = 250;

/**
 * Whether the asking window is the app's only one. Another window keeps the old version until it
 * reloads (its banner says so). A window that is going away still counts for a moment — the page
 * a reload replaces, a tab just closed — so a second window is looked at again for a short while
 * before the answer is no.
 */
async function aloneSoon(sw: ServiceWorkerGlobalScope): Promise<boolean> {
  for (let i = 0; ; i++) {
    const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
    if (windows.length <= 1) return true;
    if (i + 1 >= ALONE_CHECKS) return false;
    await new Promise((resolve) => setTimeout(resolve, ALONE_CHECK_EVERY_MS));
  }
}
