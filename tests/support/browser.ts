import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { chromiumForTests } from "./chromium-path.ts";

/**
 * Real Chromium (see chromium-path.ts for which one) driven by playwright-core, sized like a phone.
 * Screenshots go to test-artifacts/ (gitignored) so a person can look at the screens after a run.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(ROOT, "test-artifacts");

export const PHONE = { width: 390, height: 844 } as const;
export const SMALL_PHONE = { width: 360, height: 640 } as const;

const ANDROID_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

/** `extraArgs`: more Chromium switches, e.g. a --host-resolver-rules that gives loopback a LAN-like name. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumForTests().path,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}

export type PhoneOptions = { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" };

/** A fresh phone: its own IndexedDB and storage, touch, a mobile user agent. */
export async function phoneContext(browser: Browser, o: PhoneOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: o.viewport ?? PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: ANDROID_UA,
    colorScheme: o.colorScheme ?? "light",
  });
}

/** Saves a full-viewport screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Every request the page makes to an origin other than `origin` (the relay), for the budget check. */
export function foreignRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:") || url.startsWith("blob:")) return;
    if (new URL(url.replace(/^ws/, "http")).origin !== origin) foreign.push(url);
  });
  return foreign;
}

/** Console errors and uncaught exceptions, so a test can show them when it fails. */
export function pageLog(page: Page): string[] {
  const log: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") log.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (err) => log.push(`pageerror: ${err.message}`));
  return log;
}
