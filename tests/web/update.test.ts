import { rmSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildLabel,
  builtVersion,
  nextBuild,
  pageShellVersion,
  shellStatus,
  waitControlled,
} from "../support/app-shell.ts";
import { type BridgeWorld, type Phone, until } from "../support/bridge-world.ts";
import { pageLog, screenshot } from "../support/browser.ts";
import { restartRelay } from "../support/relay-process.ts";
import {
  type PhonePage,
  pairByLink,
  relayStatus,
  startSession,
  typeAndSend,
  userMsg,
  WAIT,
  waitTurnsDone,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 12, "update": version N of the app is installed and runs; N+1 is deployed (the relay
// restarts serving another build, as a deploy does). The running page keeps working and offers
// "Reload", which takes it to N+1; with N+2 deployed and nobody tapping anything, the next open of
// the app runs N+2.

const web = useWebWorld();
const builds: string[] = [];
/** Every page the test opened, for the failure report. */
const pages: PhonePage[] = [];

afterAll(() => {
  for (const dir of builds) rmSync(dir, { recursive: true, force: true });
});

describe("a new version of the app", () => {
  it("waits while a page runs, is one tap away, and runs at the next open", async () => {
    pages.push(web.phone);
    await withDiagnostics("update", web.w, pages, () => run());
  }, 360_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await pairByLink(page, w);
  const room = await startSession(page, { title: "updates" });
  let log = await w.phone(room);
  await converse(page, log, "one-5e2");
  await waitControlled(page);
  const n = (await shellStatus(page)).version;
  expect(n).toBe(builtVersion());
  expect(await buildLabel(page)).toBeNull();

  // N+1 is deployed. The running page reconnects and keeps working, on N.
  const n1 = await deploy(w, "n1");
  expect(n1).not.toBe(n);
  log = await w.phone(room);
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  await converse(page, log, "two-5e2");
  expect((await shellStatus(page)).version).toBe(n);
  expect(await buildLabel(page)).toBeNull();

  // The app is opened again (a second tab): it opens at once from N's copy (cache first), looks
  // for an update, N+1 installs and waits, and every page of the app offers the reload.
  const other = await openTab(`${w.relay.url}/m/${w.machineId}`);
  await other.getByRole("heading", { name: "test-machine" }).waitFor();
  await updateBanner(page).waitFor();
  await updateBanner(other).waitFor();
  expect(await buildLabel(other)).toBeNull();
  expect((await shellStatus(other)).version).toBe(n);
  await screenshot(page, "update-01-reload-offered");
  // The banner asks nothing of the running page: it still sends and receives on N.
  await converse(page, log, "three-5e2");
  expect((await shellStatus(page)).version).toBe(n);

  // One tap: N+1 takes over and the page reloads into it. The other tab is not reloaded under
  // its user; it keeps offering the reload.
  await Promise.all([
    page.waitForEvent("load"),
    updateBanner(page).getByRole("button", { name: "Reload" }).click(),
  ]);
  await userMsg(page, "three-5e2 says hi").waitFor();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  expect(await buildLabel(page)).toBe("n1");
  expect((await shellStatus(page)).version).toBe(n1);
  await updateBanner(other).waitFor();
  await converse(page, log, "four-5e2");
  await other.close();

  // N+2 is deployed and found by another open, which is closed again; nobody taps Reload. The
  // next open of the app (here the page is opened anew, as a relaunch or a pull to refresh does)
  // runs N+2: the waiting worker takes over as soon as no other window runs the old version.
  const n2 = await deploy(w, "n2");
  log = await w.phone(room);
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  const third = await openTab(`${w.relay.url}/m/${w.machineId}`);
  await updateBanner(page).waitFor();
  await updateBanner(third).waitFor();
  await third.close();
  await page.reload();
  const next = page;
  await until(
    async () => ((await pageShellVersion(next)) === n2 ? true : null),
    WAIT,
    "the next open to run N+2",
  );
  expect((await shellStatus(next)).version).toBe(n2);
  await userMsg(next, "four-5e2 says hi").waitFor();
  expect(await buildLabel(next)).toBe("n2");
  expect(await updateBanner(next).count()).toBe(0);
  await relayStatus(next).filter({ hasText: "Connected" }).waitFor();
  await converse(next, log, "five-5e2");
  await screenshot(next, "update-02-next-open-runs-new-version");
  for (const p of pages)
    expect(
      p.log.filter((l) => l.startsWith("pageerror")),
      p.page.url(),
    ).toEqual([]);
}

/** Deploys the next build: the relay restarts on the same port and storage, serving it. */
async function deploy(w: BridgeWorld, label: string): Promise<string> {
  const build = await nextBuild(label);
  builds.push(build.dir);
  await w.relay.kill();
  w.relay = await restartRelay(w.relay, 5, undefined, build.dir);
  return build.version;
}

/** Another tab of the same phone (same storage and service worker). */
async function openTab(url: string): Promise<Page> {
  const page = await web.phone.context.newPage();
  page.setDefaultTimeout(WAIT);
  pages.push({ context: web.phone.context, page, log: pageLog(page) });
  await page.goto(url);
  return page;
}

function updateBanner(page: Page) {
  return page.getByRole("status").filter({ hasText: "A new version is ready" });
}

/** A message from the page, answered by Claude, shown as done. */
async function converse(page: Page, log: Phone, marker: string): Promise<void> {
  const text = `${marker} says hi`;
  await typeAndSend(page, text);
  await waitTurnsDone(log, [marker]);
  await userMsg(page, text).and(page.locator("[data-status='done']")).waitFor();
}
