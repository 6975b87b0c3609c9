import { describe, expect, it } from "vitest";
import type { Phone } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import {
  bridgeStatus,
  pairByLink,
  relayStatus,
  startSession,
  turnsFor,
  turnsInLog,
  typeAndSend,
  userMsg,
  waitTurnsDone,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 4, test 5: the bridge goes away (SIGTERM). The app says so, still takes messages (and a
// new-session request), and they are delivered, once and in order, when the bridge is back.

const web = useWebWorld();

describe("the bridge goes offline", () => {
  it("is shown, messages still queue, and they are delivered when it returns", async () => {
    await withDiagnostics("bridge-offline", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await pairByLink(page, w);
  const room = await startSession(page, { title: "bridge naps" });
  const log: Phone = await w.phone(room);
  const before = "before-b41 while all is well";
  await typeAndSend(page, before);
  await userMsg(page, before).and(page.locator("[data-status='done']")).waitFor();

  // The bridge stops. The relay link is fine, the bridge is not, and the page says exactly that.
  expect(await w.bridge?.kill("SIGTERM")).toBe(0);
  await bridgeStatus(page)
    .filter({ hasText: /^Bridge offline since \d/ })
    .waitFor();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();

  // Messages still go out: stored by the relay ("sent"), not yet delivered to Claude.
  const queued = ["queued-1-b41 first while away", "queued-2-b41 second while away"];
  for (const text of queued) await typeAndSend(page, text);
  for (const text of queued) await userMsg(page, text).and(page.locator("[data-status='sent']")).waitFor();
  await log.wait("user.message", (b) => b.text === queued[1]);
  expect(turnsInLog(log, ["b41"]).started).toHaveLength(1);
  await screenshot(page, "bridge-01-offline-messages-sent");

  // The machine page says it too, and a new session can still be asked for.
  await page.getByRole("link", { name: "Back" }).click();
  await page.getByRole("heading", { name: "test-machine" }).waitFor();
  await bridgeStatus(page)
    .filter({ hasText: /^Bridge offline since \d/ })
    .waitFor();
  await page.getByRole("button", { name: "New session" }).click();
  await page.getByLabel("Title (optional)").fill("asked while away");
  await page.getByRole("button", { name: "Start session" }).click();
  await page.getByText("Starting the session… (waiting for the bridge)").waitFor();
  await screenshot(page, "bridge-02-offline-machine-waiting");

  // The bridge returns: presence says so, the new session opens, the queued turns run.
  w.startBridge();
  await page.getByRole("heading", { name: "asked while away" }).waitFor();
  await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
  const markers = ["before-b41", "queued-1-b41", "queued-2-b41"];
  await waitTurnsDone(log, markers);

  // Back in the first session: every message once, delivered, in order.
  await page.getByRole("link", { name: "Back" }).click();
  await page.getByRole("listitem").filter({ hasText: "bridge naps" }).getByRole("link").click();
  await page.getByRole("heading", { name: "bridge naps" }).waitFor();
  await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
  for (const text of queued) await userMsg(page, text).and(page.locator("[data-status='done']")).waitFor();
  for (const text of [before, ...queued]) expect(await userMsg(page, text).count()).toBe(1);
  expect(await page.getByTestId("turn-result").count()).toBe(3);
  const turns = turnsInLog(log, markers);
  expect(turns.users.map((u) => u.text)).toEqual([before, ...queued]);
  const mids = turns.users.map((u) => u.mid);
  expect(turns.started).toEqual(mids);
  expect(turns.results).toEqual(mids);
  expect(turnsFor(w.model, markers)).toEqual(markers);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
