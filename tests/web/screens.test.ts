import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { PermissionMode } from "../../shared/protocol/index.ts";
import { ARTIFACTS, SMALL_PHONE, screenshot } from "../support/browser.ts";
import {
  bridgeStatus,
  type PhonePage,
  pairingLink,
  relayStatus,
  transcript,
  typeAndSend,
  userMsg,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 4, test 6: the main screens at phone size, saved as test-artifacts/screen-*.png so a
// person can look at them: pairing, machine and session list, new session, a transcript with a
// tool card and its diff, permission sheets, the session menu and share sheet, streaming, the
// offline states, the dark theme and a small phone. Each screen is checked before it is taken.

/** Phones: the one that pairs, and a stranger that tries the same link after it. */
const web = useWebWorld({ proxy: true, phones: 2 });
const taken: string[] = [];

describe("screens at phone size", () => {
  it("saves a screenshot of every main screen", async () => {
    await withDiagnostics("screens", web.w, web.phones, () => run());
    for (const name of taken)
      expect(statSync(join(ARTIFACTS, `${name}.png`)).size, name).toBeGreaterThan(5_000);
    expect(taken).toHaveLength(19);
  }, 240_000);
});

async function shot(page: PhonePage["page"], name: string): Promise<void> {
  await screenshot(page, name);
  taken.push(name);
}

async function run(): Promise<void> {
  const { w, proxy } = web;
  const [phone, stranger] = web.phones as [PhonePage, PhonePage];
  const { page, context } = phone;
  const origin = proxy.url;

  // Pairing: no code, in progress (the relay's answer is held back for the picture), done.
  await page.goto(`${origin}/pair`);
  await page.getByText("Open the link (or scan the QR code)").waitFor();
  await shot(page, "screen-01-pair-no-code");
  const link = await pairingLink(w, origin);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/pair", async (route: Route) => {
    await held;
    await route.continue();
  });
  await page.goto(link);
  await page.getByText("Pairing with your workstation…").waitFor();
  await shot(page, "screen-02-pairing");
  release();
  await page.getByRole("heading", { name: "test-machine" }).waitFor();
  await page.unroute("**/api/pair");
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
  await page.getByText("No sessions yet.").waitFor();
  await shot(page, "screen-03-machine-no-sessions");

  // The same link on another phone: already used.
  await stranger.page.goto(link);
  await stranger.page.getByRole("alert").filter({ hasText: "already used or has expired" }).waitFor();
  await shot(stranger.page, "screen-04-pair-link-used");

  // A new session with a first prompt that writes a file: the form, then the permission sheet.
  const target = join(w.project, "greeting.txt");
  const prompt = `Please add a greeting file [[write path=${target} content=hello_from_the_phone]]`;
  await page.getByRole("button", { name: "New session" }).click();
  await page.getByLabel("Title (optional)").fill("Greeting file");
  await page.getByLabel("First prompt (optional)").fill(prompt);
  await shot(page, "screen-05-new-session-form");
  await page.getByRole("button", { name: "Start session" }).click();
  await page.getByRole("heading", { name: "Greeting file" }).waitFor();
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  await sheet.locator(".dl.add", { hasText: "hello from the phone" }).waitFor();
  await shot(page, "screen-06-permission-sheet-write");
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();

  // The transcript: the first prompt, a tool card with its diff, decision and output, the result.
  const card = transcript(page).getByRole("article", { name: `Write: ${target}` });
  await card.locator(".badge", { hasText: "allowed" }).waitFor();
  await card.locator(".dl.add", { hasText: "hello from the phone" }).waitFor();
  await card.locator(".output").waitFor();
  await transcript(page).getByTestId("turn-result").filter({ hasText: "Done" }).waitFor();
  await userMsg(page, prompt).and(page.locator("[data-status='done']")).waitFor();
  expect(readFileSync(target, "utf8")).toBe("hello from the phone");
  await shot(page, "screen-07-session-tool-diff");

  // The session menu, and the share sheet with a view-only link.
  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByRole("button", { name: "End session" }).waitFor();
  // The mode menu offers what the bridge accepts, nothing it would refuse (bypassPermissions).
  const modes = await page
    .getByLabel("Permissions")
    .locator("option")
    .evaluateAll((os) => os.map((o) => o.getAttribute("value")));
  expect(modes).toEqual(PermissionMode.options);
  await shot(page, "screen-08-session-menu");
  await page.getByRole("button", { name: "Share view-only link" }).click();
  await page.locator("#session-menu .share input").waitFor();
  expect(await page.locator("#session-menu .share input").inputValue()).toContain(`${origin}/s/`);
  await shot(page, "screen-09-share-sheet");
  await page.getByRole("button", { name: "Session controls" }).click();

  // A streamed answer while it streams.
  await typeAndSend(page, "Tell me a long story [[slow chunks=60 ms=50]]");
  await transcript(page).locator(".msg.streaming", { hasText: "w20" }).waitFor();
  await page.getByRole("button", { name: "Stop" }).waitFor();
  await shot(page, "screen-10-streaming");
  await transcript(page).getByTestId("turn-result").nth(1).waitFor();

  // No network at all (the browser knows): "Offline", and a message waits as "sending…".
  proxy.cut();
  await context.setOffline(true);
  await relayStatus(page).filter({ hasText: "Offline — no network" }).waitFor();
  const offline = "Written in a tunnel, sent when out of it";
  await typeAndSend(page, offline);
  await userMsg(page, offline).and(page.locator("[data-status='sending']")).waitFor();
  await shot(page, "screen-11-offline");
  proxy.restore();
  await context.setOffline(false);
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  await userMsg(page, offline).and(page.locator("[data-status='done']")).waitFor();

  // Dark theme: a Bash permission sheet, then the session after denying it with a message.
  await page.emulateMedia({ colorScheme: "dark" });
  await typeAndSend(page, "Make a build folder [[bash cmd=mkdir_build]]");
  const bash = page.getByRole("dialog", { name: "Allow Bash?" });
  await bash.locator("pre.cmd", { hasText: "$ mkdir build" }).waitFor();
  await bash.getByLabel("Message to Claude if you deny (optional)").fill("Not now, thanks");
  await shot(page, "screen-12-dark-permission-bash");
  await bash.getByRole("button", { name: "Deny" }).click();
  await transcript(page)
    .getByRole("article", { name: "Bash: mkdir build" })
    .locator(".badge", { hasText: "denied" })
    .waitFor();
  await transcript(page).locator(".msg.agent", { hasText: "The tool was refused." }).waitFor();
  await transcript(page).getByTestId("turn-result").nth(3).waitFor();
  await shot(page, "screen-13-dark-session");

  // The machine's session list, dark and light.
  await page.getByRole("link", { name: "Back" }).click();
  const row = page.getByRole("listitem").filter({ hasText: "Greeting file" });
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  await shot(page, "screen-14-dark-machine-sessions");
  await page.emulateMedia({ colorScheme: "light" });
  await shot(page, "screen-15-machine-sessions");

  // A small phone (360×640): the machine page and the session.
  await page.setViewportSize(SMALL_PHONE);
  await shot(page, "screen-16-machine-360x640");
  await row.getByRole("link").click();
  await page.getByRole("heading", { name: "Greeting file" }).waitFor();
  await transcript(page).getByTestId("turn-result").nth(3).waitFor();
  await shot(page, "screen-17-session-360x640");

  // The bridge goes away: the session says since when.
  expect(await w.bridge?.kill("SIGTERM")).toBe(0);
  await bridgeStatus(page)
    .filter({ hasText: /^Bridge offline since \d/ })
    .waitFor();
  await shot(page, "screen-18-bridge-offline");
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "screen-19-dark-bridge-offline-360x640");

  expect(existsSync(join(ARTIFACTS, "screen-01-pair-no-code.png"))).toBe(true);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
