import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitControlled } from "../support/app-shell.ts";
import { launchBrowser, PHONE, pageLog, screenshot } from "../support/browser.ts";
import { pairingLink, relayStatus, WAIT } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 12: where the app cannot keep a copy of itself it says so, once; an iPhone is told how
// notifications become possible. A plain-HTTP LAN address (tether up --lan) is played by a name
// that Chromium resolves to loopback: the relay is the same, the page is not a secure context.

const web = useWebWorld({ phones: 0 });
const LAN_HOST = "tether-lan.test";
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
let lanBrowser: Browser | undefined;

beforeAll(async () => {
  lanBrowser = await launchBrowser([`--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`]);
}, 60_000);

afterAll(async () => {
  await lanBrowser?.close();
});

describe("what the app says about itself", () => {
  it("over plain HTTP on a LAN address: no service worker, so a note says the app works only while online, until closed", async () => {
    if (!lanBrowser) throw new Error("no browser");
    const origin = `http://${LAN_HOST}:${web.w.relay.port}`;
    const { page, log } = await newPhonePage(lanBrowser, {});
    await page.goto(`${origin}/`);
    expect(await page.evaluate("window.isSecureContext")).toBe(false);
    const note = page
      .getByRole("note")
      .filter({ hasText: "Offline use and notifications need HTTPS or 127.0.0.1" });
    // Pairing and end-to-end encryption work there (tests/web/lan.test.ts): the note says only what is missing.
    await note
      .getByText("the app works only while online. Messages are still end-to-end encrypted.")
      .waitFor();
    await screenshot(page, "note-01-plain-http-lan");
    expect(await page.evaluate("navigator.serviceWorker?.controller ?? null")).toBeNull();
    await note.getByRole("button", { name: "Dismiss" }).click();
    await note.waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("heading").first().waitFor();
    expect(await note.count()).toBe(0);
    expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
  }, 120_000);

  it("on an iPhone in a browser tab: one line on adding Tether to the Home Screen, shown until closed", async () => {
    const { page, log } = await newPhonePage(web.browser, { userAgent: IPHONE_UA });
    await pairAt(page, await pairingLink(web.w));
    const hint = page.getByRole("note").filter({ hasText: "To get notifications on iPhone, add Tether" });
    await hint.getByText("(Share → Add to Home Screen)").waitFor();
    // 127.0.0.1 is a secure context: the app keeps its copy there, and says nothing about HTTP.
    await waitControlled(page);
    expect(await page.getByText("plain-HTTP LAN address").count()).toBe(0);
    await screenshot(page, "note-02-iphone-home-screen");
    await hint.getByRole("button", { name: "Dismiss" }).click();
    await hint.waitFor({ state: "detached" });
    await page.reload();
    await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
    expect(await hint.count()).toBe(0);
    expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
  }, 120_000);
});

/** A phone of its own (storage, user agent) on `browser`, with its console errors recorded. */
async function newPhonePage(
  browser: Browser,
  o: { userAgent?: string },
): Promise<{ page: Page; log: string[] }> {
  const context = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    ...(o.userAgent ? { userAgent: o.userAgent } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  return { page, log: pageLog(page) };
}

/** Opens a pairing link and waits for the machine page, connected. */
async function pairAt(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByRole("heading", { name: "test-machine" }).waitFor();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
}
