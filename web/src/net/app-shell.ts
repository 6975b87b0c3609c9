import { signal } from "@preact/signals";
import { isShellStatus, type ToWorker } from "../sw/sw-messages.ts";

/**
 * The page's side of the service worker (web/src/sw/): registration, the update flow and what the
 * worker knows about how this page was opened. A new version never replaces a running page by
 * itself: it waits, the page offers "Reload", and the next open of the app's only window applies
 * it (docs/protocol.md §10).
 */

/** Why this browser keeps no copy of the app: plain HTTP off loopback, or no service workers. */
export const shellUnavailable = signal<"insecure" | "unsupported" | null>(null);
/** A newer version waits (or another window started it): a reload runs it. */
export const updateReady = signal(false);
/** The network did not answer when this page opened: it is the cached app. Cleared once a room connects. */
export const openedOffline = signal(false);
/** The relay refused this app's wire version (close 4008 `unsupported version`). */
export const outdated = signal(false);
/** The shell version the controlling worker serves, once it said so. */
export const shellVersion = signal<string | null>(null);

/** Update checks when the page becomes visible are at least this far apart. */
const CHECK_EVERY_MS = 60_000;

let registration: ServiceWorkerRegistration | null = null;
let reloadAsked = false;
let lastCheck = 0;

/** At start-up: registers /sw.js where browsers allow one (HTTPS, or http://127.0.0.1). */
export function startAppShell(): void {
  // Vite's dev server has no sw.js, and a copy of the app would only hide the edits being made.
  if (import.meta.env.DEV) return;
  if (!window.isSecureContext || !("serviceWorker" in navigator)) {
    shellUnavailable.value = window.isSecureContext ? "unsupported" : "insecure";
    return;
  }
  const sw = navigator.serviceWorker;
  let controlled = sw.controller !== null;
  sw.addEventListener("controllerchange", () => {
    if (reloadAsked) return location.reload();
    // The first worker took over a first visit: nothing to reload. Otherwise another window
    // applied an update, and this page still runs the code it loaded.
    if (controlled) updateReady.value = true;
    controlled = true;
    void askStatus();
  });
  void askStatus();
  register().catch((err: unknown) => console.warn("tether: the service worker did not register", err));
}

/** The banner's one tap: the waiting worker takes over and the page reloads into it. */
export function applyUpdate(): void {
  reloadAsked = true;
  const waiting = registration?.waiting;
  if (waiting) waiting.postMessage({ type: "tether:skip-waiting" } satisfies ToWorker);
  else location.reload();
}

/** The relay said this app's protocol is too old: look for the version that speaks it. */
export function noteOutdated(): void {
  if (outdated.value) return;
  outdated.value = true;
  checkForUpdate(true);
}

/** A room connected: the network is back, whatever the page was opened from. */
export function noteReachable(): void {
  if (openedOffline.value) openedOffline.value = false;
}

async function register(): Promise<void> {
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  registration = reg;
  reg.addEventListener("updatefound", () => watchInstalling(reg));
  const waiting = reg.waiting;
  if (waiting && navigator.serviceWorker.controller) {
    updateReady.value = true;
    // The app is just opening: if no other window runs the old version, the new one starts now.
    // Set first: the worker answers before it takes over, but the two events may arrive in any order.
    reloadAsked = true;
    void ask(waiting, { type: "tether:apply-if-alone" }).then((alone) => {
      if (alone !== true) reloadAsked = false;
    });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") checkForUpdate(false);
  });
  checkForUpdate(true);
}

function watchInstalling(reg: ServiceWorkerRegistration): void {
  const worker = reg.installing;
  worker?.addEventListener("statechange", () => {
    // Without a controller this is the first install, not an update.
    if (worker.state === "installed" && navigator.serviceWorker.controller) updateReady.value = true;
  });
}

function checkForUpdate(now: boolean): void {
  const reg = registration;
  if (!reg || (!now && Date.now() - lastCheck < CHECK_EVERY_MS)) return;
  lastCheck = Date.now();
  // Offline, the check fails; the next visible page or open tries again.
  reg.update().catch((err: unknown) => console.info("tether: no update check now", String(err)));
}

/** Which shell serves this page, and whether it came from the cache. */
async function askStatus(): Promise<void> {
  const controller = navigator.serviceWorker.controller;
  if (!controller) return;
  const data = await ask(controller, { type: "tether:status" });
  if (!isShellStatus(data)) return;
  shellVersion.value = data.version;
  // Which version a page runs, for whoever inspects it (a person in devtools, a browser test).
  document.documentElement.dataset.shellVersion = data.version;
  if (data.servedFromCache) openedOffline.value = true;
}

/** Posts `msg` with a reply port; resolves with the worker's answer (never, if it has none). */
function ask(worker: ServiceWorker, msg: ToWorker): Promise<unknown> {
  const channel = new MessageChannel();
  const reply = new Promise<unknown>((resolve) => {
    channel.port1.onmessage = (e: MessageEvent) => resolve(e.data);
  });
  worker.postMessage(msg, [channel.port2]);
  return reply;
}
