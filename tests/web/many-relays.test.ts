import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { peerScope } from "../../web/src/net/peer-scope.ts";
import { type BridgeWorld, type Phone, until } from "../support/bridge-world.ts";
import { foreignRequests, screenshot } from "../support/browser.ts";
import { inboxCount, machineRow, promptOn, revokePhone, tetherDevices } from "../support/many-machines.ts";
import { serviceWorkerCdp } from "../support/service-worker.ts";
import {
  bridgeStatus,
  pairByLink,
  pairingLink,
  relayStatus,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 16, part 1: one phone, machines on two relays (each relay lists the other as a peer,
// docs/protocol.md §3.6). The app served by relay A pairs with a machine on relay B by its link,
// keeps both credentials and connections, lists both with presence, gathers both machines'
// prompts in one inbox, and loses only machine B when B revokes it.

const web = useWebWorld({ machines: [{ name: "machine-b", relay: "own" }] });

describe("one phone, machines on two relays", () => {
  it("pairs across relays, lists both, answers both from the inbox, survives one revocation", async () => {
    await withDiagnostics("many-relays", web.w, web.phones, () => run());
  }, 360_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const b = web.more[0];
  if (!b) throw new Error("no second machine");
  expect(b.relay.url).not.toBe(w.relay.url);
  const { page } = phone;
  const foreign = foreignRequests(page, w.relay.url);
  await pairByLink(page, w);

  // Machine B's link, pasted into the app of relay A: the app pairs with relay B itself.
  await page.goto(`${w.relay.url}/machines`);
  await page.getByText("Pair another machine").click();
  await page.getByLabel("Pairing link").fill(await pairingLink(b));
  await page.getByRole("button", { name: "Pair", exact: true }).click();
  await page.getByRole("heading", { name: "machine-b" }).waitFor();
  expect(new URL(page.url()).origin).toBe(w.relay.url);
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
  await b.enroll();

  // Both machines by name, each with its bridge online; B says which relay it is on.
  await page.goto(`${w.relay.url}/`);
  const one = machineRow(page, "test-machine");
  const other = machineRow(page, "machine-b");
  await one.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await other.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await other.getByText(`via ${new URL(b.relay.url).host}`).waitFor();
  await screenshot(page, "relays-01-machines");
  // The phone talked to relay B (its API and sockets) and to nothing else but relay A.
  expect(foreign.filter((u) => !u.startsWith(b.relay.url))).toEqual([]);
  expect(foreign.some((u) => u.startsWith(`${b.relay.url}/api/pair`))).toBe(true);
  for (const m of [w, b])
    expect((await tetherDevices(m)).filter((t) => t.kind === "device").map((t) => t.label)).toContain(
      "Chrome on Android",
    );

  // A prompt on each relay's machine: one inbox, newest first, both answered there.
  const fileA = join(w.project, "a.txt");
  const fileB = join(b.project, "b.txt");
  const sa = await promptOn(w, "job on a", fileA);
  await inboxCount(page, 1);
  const sb = await promptOn(b, "job on b", fileB);
  await inboxCount(page, 2);
  await page.getByTestId("inbox-link").click();
  const items = page.getByRole("list", { name: "Waiting prompts" }).getByRole("listitem");
  await until(async () => ((await items.count()) === 2 ? true : null), WAIT, "two inbox rows");
  expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-machine")))).toEqual([
    b.machineId,
    w.machineId,
  ]);
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  for (const [row, s, file] of [
    [0, sb, fileB],
    [0, sa, fileA],
  ] as const) {
    await items.nth(row).getByRole("button").click();
    await sheet.getByText(file, { exact: true }).waitFor();
    await sheet.getByRole("button", { name: "Allow", exact: true }).click();
    await sheet.waitFor({ state: "detached" });
    expect((await s.wait("permission.resolved", () => true, WAIT)).decision).toBe("allow");
    await s.wait("turn.result", () => true, WAIT);
    expect(readFileSync(file, "utf8")).toBe("hi there");
  }
  await page.getByText("Nothing waits for you").waitFor();
  await peerPushes(page, w.relay.url, b, sb);

  // Relay B's machine revokes the phone: only machine B goes; machine A keeps working.
  await page.getByRole("link", { name: "Back" }).click();
  await revokePhone(b);
  await other.waitFor({ state: "detached" });
  await one.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await promptOn(w, "after the revocation", join(w.project, "c.txt"));
  await inboxCount(page, 1);
  await screenshot(page, "relays-02-after-revocation");
}

/**
 * Machine B's notifications: B's relay signs with its own key, and a push subscription is bound
 * to one key, so the app registers its worker again at a scope for relay B (net/push-client.ts).
 * This Chromium denies notifications, so the switch stops at the browser's refusal; the worker
 * registered at B's scope is then checked directly: it opens B's pushes with this phone's keys.
 */
async function peerPushes(page: Page, origin: string, b: BridgeWorld, sb: Phone): Promise<void> {
  await page.goto(`${origin}/m/${b.machineId}`);
  const settings = page.getByRole("region", { name: "Notifications" });
  await settings.getByLabel("Notify me on this phone").click();
  await settings.getByRole("alert").filter({ hasText: "Notifications are blocked for this site" }).waitFor();
  const scope = peerScope(b.relay.url);
  await page.evaluate(`navigator.serviceWorker.register("/sw.js", { scope: ${JSON.stringify(scope)} })`);
  const cdp = await serviceWorkerCdp(await page.context().newPage(), origin, scope);
  const peer = await until(
    async () => {
      for (const sw of page.context().serviceWorkers())
        if (String(await sw.evaluate("self.registration.scope")).endsWith(scope)) return sw;
      return null;
    },
    WAIT,
    "the worker at relay B's scope",
  );
  const logged: string[] = [];
  peer.on("console", (m) => logged.push(m.text()));
  const show = { title: "job on b", body: "Claude finished", tag: sb.room };
  const sealed = {
    ...((await sb.sealFor("push.show", "m_peerpush00001", show)) as object),
    mid: "m_peerpush00001",
  };
  await cdp.push({ v: 1, room: sb.room, seq: 1, class: "turn", at: Date.now(), show: sealed });
  await until(
    () => logged.find((l) => l.includes(`a turn push for ${sb.room} was opened`)) ?? null,
    WAIT,
    "relay B's push opened by the worker at its scope",
  );
  await page.goto(`${origin}/inbox`);
}
