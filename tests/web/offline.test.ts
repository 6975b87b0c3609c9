import { describe, expect, it } from "vitest";
import { shellStatus, waitControlled } from "../support/app-shell.ts";
import { screenshot } from "../support/browser.ts";
import {
  pageNow,
  pairByLink,
  relayStates,
  relayStatus,
  startSession,
  transcript,
  turnsFor,
  turnsInLog,
  typeAndSend,
  userMsg,
  waitTurnsDone,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 12, "offline open": the phone has used the app once (its service worker holds the app, its
// IndexedDB the rooms). Then the network is gone — the TCP proxy in front of the relay refuses every
// connection, the page's own address included — and the app is opened again: it shows the machine,
// its sessions and a transcript from this phone, says it is offline, queues what is typed, and
// delivers that once the network is back.

const web = useWebWorld({ proxy: true });
/** How long an open waits for the network before it shows the copy (web/src/sw/shell.ts). */
const NAVIGATION_TIMEOUT_MS = 3_000;

describe("the app with no network", () => {
  it("opens from its cache to the last state, queues a message, and delivers it once back online", async () => {
    await withDiagnostics("offline", web.w, web.phones, () => run());
  }, 300_000);

  it("opens from its cache within seconds when the link is up but carries nothing", async () => {
    await withDiagnostics("offline-dead-link", web.w, web.phones, () => deadLink());
  }, 180_000);
});

async function run(): Promise<void> {
  const { w, proxy, phone } = web;
  const { page } = phone;
  await pairByLink(page, w, proxy.url);
  const room = await startSession(page, { title: "offline session" });
  const log = await w.phone(room);
  const first = "first-9d1 before the network goes";
  await typeAndSend(page, first);
  await waitTurnsDone(log, ["first-9d1"]);
  await userMsg(page, first).and(page.locator("[data-status='done']")).waitFor();
  await transcript(page).getByTestId("turn-result").waitFor();
  const answers = await transcript(page).locator(".msg.agent").count();
  expect(answers).toBeGreaterThan(0);
  // The first visit installed the app shell, and its worker took the page over.
  await waitControlled(page);
  expect((await shellStatus(page)).servedFromCache).toBe(false);
  await page.getByRole("link", { name: "Back" }).click();
  const row = page.getByRole("listitem").filter({ hasText: "offline session" });
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  // Online, an open comes from the copy at once (cache first) and does not count as offline.
  await page.reload();
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  expect((await shellStatus(page)).servedFromCache).toBe(false);
  const pageAfterMs = await page.evaluate(
    `(() => { const n = performance.getEntriesByType("navigation")[0]; return Math.round(n.responseStart - n.startTime); })()`,
  );
  console.info(
    `offline test: online, the page's headers came from the worker's copy after ${pageAfterMs} ms`,
  );

  // The network goes; the app is opened again, here on the machine page.
  proxy.cut();
  const refusedBefore = proxy.refused;
  const cutAt = await pageNow(page);
  await page.reload();
  await page.getByRole("heading", { name: "test-machine" }).waitFor();
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  await relayStatus(page).filter({ hasText: "Offline — no network" }).waitFor();
  // The network was asked whether it is there and refused: the open counts as offline.
  expect((await shellStatus(page)).servedFromCache).toBe(true);
  expect(proxy.refused).toBeGreaterThan(refusedBefore);
  await screenshot(page, "offline-01-machine-from-cache");

  // The session: its code from the cache, its transcript from IndexedDB.
  await row.getByRole("link").click();
  await page.getByRole("heading", { name: "offline session" }).waitFor();
  await userMsg(page, first).and(page.locator("[data-status='done']")).waitFor();
  await transcript(page).getByTestId("turn-result").waitFor();
  expect(await transcript(page).locator(".msg.agent").count()).toBe(answers);
  await relayStatus(page).filter({ hasText: "Offline — no network" }).waitFor();

  // Typed offline: queued on the phone, nothing reaches the room.
  const second = "second-9d1 typed offline";
  await typeAndSend(page, second);
  await userMsg(page, second).and(page.locator("[data-status='sending']")).waitFor();
  await screenshot(page, "offline-02-session-queued");
  expect(turnsInLog(log, ["second-9d1"]).users).toEqual([]);

  // The network comes back: the page reconnects by itself and the message goes, once.
  const restoredAt = await pageNow(page);
  proxy.restore();
  // The backoff may have grown to 30 s while cut.
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor({ timeout: 90_000 });
  await waitTurnsDone(log, ["second-9d1"]);
  await userMsg(page, second).and(page.locator("[data-status='done']")).waitFor();
  const markers = ["first-9d1", "second-9d1"];
  const turns = turnsInLog(log, markers);
  expect(turns.users.map((u) => u.text)).toEqual([first, second]);
  const mids = turns.users.map((u) => u.mid);
  expect(turns.started).toEqual(mids);
  expect(turns.results).toEqual(mids);
  expect(turnsFor(w.model, markers)).toEqual(markers);
  expect(await userMsg(page, second).count()).toBe(1);
  await screenshot(page, "offline-03-delivered");

  // While the network was gone the indicator said offline, never connected.
  const whileCut = (await relayStates(page)).filter(([t]) => t > cutAt && t < restoredAt).map(([, s]) => s);
  expect(whileCut).toContain("Offline — no network");
  for (const s of whileCut) expect(s === null || s === "Offline — no network", String(s)).toBe(true);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

/**
 * A dead link rather than none: connections open and then carry nothing, so a network-first open
 * would hang for the browser's own timeout. The worker shows its copy at once and gives the
 * network 3 s to say it is there before the page counts as opened offline.
 */
async function deadLink(): Promise<void> {
  const { proxy, phone } = web;
  const { page } = phone;
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  // Live connections (a kept-alive one could carry the open) and new ones alike go silent.
  proxy.stall("both");
  proxy.blackhole();
  const started = Date.now();
  await page.reload();
  const took = Date.now() - started;
  await page.getByRole("heading", { name: "offline session" }).waitFor();
  await relayStatus(page).filter({ hasText: "Offline — no network" }).waitFor();
  expect((await shellStatus(page)).servedFromCache).toBe(true);
  console.info(`offline test: with a dead link the cached app was open after ${took} ms`);
  // Cache first: the open does not wait the network's 3 s; only the offline verdict does.
  expect(took).toBeLessThan(NAVIGATION_TIMEOUT_MS);

  proxy.restore();
  proxy.unstall();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor({ timeout: 90_000 });
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
