import { shellRoute } from "./shell-route.ts";
import { isToWorker, type ShellStatus, type ToWorker } from "./sw-messages.ts";

/**
 * The app shell: every file of one build precached under that build's version, so the app opens
 * with no network and without waiting for it: navigations are answered from the cache (a new
 * deploy is found by the update check and offered as "Reload"). The relay's API and sockets are never touched
 * (shell-route.ts). The worker never takes over by itself: a new version waits until a page asks
 * (the "Reload" banner, or the app's next open when it is the only window), or the app's last
 * window is gone. Chromium then swaps workers once the old one has no event in hand.
 */

/** What the build injects (web/scripts/build-sw.mjs): the shell's files and their joint hash. */
export type ShellManifest = { version: string; files: readonly string[] };

const CACHE_PREFIX = "tether-shell-";
/** The app's page: every route is the same index.html (the relay serves it as the SPA fallback). */
const APP = "/";
/** The relay's liveness route (§3.2): the cheapest way to ask whether the network is there. */
const HEALTH = "/healthz";
/**
 * How long the network may take to answer before an open counts as offline. A healthy mobile link
 * answers in some hundreds of ms; a link that accepts connections but carries nothing (a captive
 * portal, Wi-Fi the phone still clings to) would otherwise never say. The dead-link test sees the
 * offline indicator ~3.1 s after the open (the app itself is on screen at once).
 */
export const NAVIGATION_TIMEOUT_MS = 3_000;
/** Enough to answer the pages of one burst of opens; older ids are long past asking. */
const REMEMBERED_CLIENTS = 32;

export function installShell(sw: ServiceWorkerGlobalScope, shell: ShellManifest): void {
  const cacheName = CACHE_PREFIX + shell.version;
  const precached = new Set(shell.files);
  /** Windows opened while the network was not there (for the page's offline indicator). */
  const offline = new Offline();

  sw.addEventListener("install", (e) => e.waitUntil(precache(cacheName, shell.files)));
  sw.addEventListener("activate", (e) => e.waitUntil(activate(sw, cacheName)));
  sw.addEventListener("fetch", (e) => {
    const route = shellRoute(e.request, sw.location.origin, precached);
    if (route === "shell") e.respondWith(fromShell(cacheName, e.request));
    if (route === "page") e.respondWith(page(e, cacheName, offline));
  });
  sw.addEventListener("message", (e) => {
    if (!isToWorker(e.data)) return;
    e.waitUntil(answer(sw, e, e.data, { version: shell.version, offline }));
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

/**
 * Cache first: the app this worker precached, at once, whatever the link (a phone on a train
 * should not wait for the network to show what it already has). Meanwhile a small request to the
 * relay tells whether the network is there; a window opened while it is not is remembered, so the
 * page says it is offline until a room connects. New versions come through the update flow (§10.2).
 * Without a cached page (a worker that never finished installing) the network answers.
 */
async function page(e: FetchEvent, cacheName: string, offline: Offline): Promise<Response> {
  const cached = await (await caches.open(cacheName)).match(APP);
  if (!cached) return (await network(e.request, NAVIGATION_TIMEOUT_MS)) ?? Response.error();
  const id = e.resultingClientId;
  if (id) offline.check(id, e);
  return cached;
}

/**
 * Which windows were opened with no network. The check for a window is a `GET /healthz` that must
 * answer within NAVIGATION_TIMEOUT_MS; the page's status question waits for it.
 */
class Offline {
  #checks = new Map<string, Promise<boolean>>();

  check(clientId: string, e: FetchEvent): void {
    const probe = network(new Request(HEALTH, { cache: "no-store" }), NAVIGATION_TIMEOUT_MS);
    const result = probe.then((res) => res === null || res.status >= 500);
    e.waitUntil(result);
    this.#checks.set(clientId, result);
    if (this.#checks.size > REMEMBERED_CLIENTS) {
      const oldest = this.#checks.keys().next().value;
      if (oldest !== undefined) this.#checks.delete(oldest);
    }
  }

  /** Whether window `id` was opened with no network (false for one this worker did not open). */
  async was(id: string | null): Promise<boolean> {
    return id === null ? false : ((await this.#checks.get(id)) ?? false);
  }
}

/** The network's answer once its headers are in, or null after a network error or `ms` without one. */
async function network(request: Request, ms: number): Promise<Response | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await fetch(request, { signal: abort.signal });
  } catch (err) {
    // Offline, refused, reset or timed out: all mean "no network now"; the page says it is offline.
    console.info("tether sw: no network for this open", String(err));
    return null;
  } finally {
    clearTimeout(timer);
  }
}

type Known = { version: string; offline: Offline };

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
        servedFromCache: await known.offline.was(id),
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
