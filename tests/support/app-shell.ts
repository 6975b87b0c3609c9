import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { buildServiceWorker } from "../../web/scripts/build-sw.mjs";
import { until } from "./bridge-world.ts";
import { WAIT } from "./web-app.ts";

/**
 * The phone app's service worker as a browser test sees it: whether it controls a page, and what
 * the controlling worker says about itself (web/src/sw/sw-messages.ts), asked the way the app asks.
 * The scripts are strings: this project's Node typings have no DOM, and they run in the page.
 */
export type ShellStatus = { type: "tether:status"; version: string; servedFromCache: boolean };

/** Until a service worker controls the page (after its first install, it claims the page). */
export async function waitControlled(page: Page, timeout = WAIT): Promise<void> {
  // Polled through the protocol: waitForFunction compiles its text in the page, which the app's
  // CSP (no unsafe-eval) refuses while the page is not yet controlled.
  await until(
    async () => ((await page.evaluate("navigator.serviceWorker.controller !== null")) ? true : null),
    timeout,
    "a service worker controlling the page",
  );
}

/**
 * The shell version the page says it runs (what its worker told it, web/src/net/app-shell.ts);
 * null before it knows or while it navigates. Reads the page only: polling the worker itself would
 * keep it busy, and a busy worker is never replaced by a new version.
 */
export async function pageShellVersion(page: Page): Promise<string | null> {
  const read = page.evaluate("document.documentElement.dataset.shellVersion ?? null") as Promise<
    string | null
  >;
  return read.catch(() => null);
}

/** The controlling worker's answer to `tether:status`; throws when no worker controls the page. */
export async function shellStatus(page: Page): Promise<ShellStatus> {
  return (await page.evaluate(`new Promise((resolve, reject) => {
    const worker = navigator.serviceWorker.controller;
    if (!worker) return reject(new Error("no service worker controls this page"));
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    worker.postMessage({ type: "tether:status" }, [channel.port2]);
  })`)) as ShellStatus;
}

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", "dist");

/** The shell version web/dist was built with (its sw.js names it). */
export function builtVersion(): string {
  const code = readFileSync(join(DIST, "sw.js"), "utf8");
  const version = /^\/\/ tether app shell ([0-9a-f]{16})\n/.exec(code)?.[1];
  if (!version) throw new Error("web/dist/sw.js names no shell version; run node scripts/build-web.mjs");
  return version;
}

/**
 * A new version of the app: web/dist copied to a temp dir with `label` in a meta tag of its page
 * (so a test sees which page a tab runs), and its service worker built again for it, which gives it
 * a version of its own. Returns the dir (the caller deletes it) and that version.
 */
export async function nextBuild(label: string): Promise<{ dir: string; version: string }> {
  const dir = mkdtempSync(join(tmpdir(), `tether-web-${label}-`));
  cpSync(DIST, dir, { recursive: true });
  const index = join(dir, "index.html");
  const html = readFileSync(index, "utf8");
  writeFileSync(index, html.replace("</head>", `<meta name="tether-build" content="${label}" /></head>`));
  const { version } = await buildServiceWorker(dir);
  return { dir, version };
}

/** The label of the build the page runs (see nextBuild); null for web/dist itself. */
export async function buildLabel(page: Page): Promise<string | null> {
  return (await page.evaluate(
    `document.querySelector('meta[name="tether-build"]')?.getAttribute("content") ?? null`,
  )) as string | null;
}
