import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { foreignRequests, pageLog, phoneContext, SMALL_PHONE, screenshot } from "../support/browser.ts";
import { pairingLink, WAIT } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// The whole way a person uses Tether: real Chromium at phone size, the relay in workerd, the real
// bridge and Claude Code CLI; only the model is scripted.

/** The world and the browser; this test makes its own page, which watches more than the others'. */
const web = useWebWorld({ phones: 0 });
let page: Page;
let log: string[] = [];
let foreign: string[] = [];
const deltaFrames: string[] = [];

beforeAll(async () => {
  page = await (await phoneContext(web.browser)).newPage();
  page.setDefaultTimeout(WAIT);
  log = pageLog(page);
  foreign = foreignRequests(page, web.w.relay.url);
  page.on("websocket", (ws) =>
    ws.on("framereceived", (f) => {
      if (typeof f.payload === "string" && f.payload.includes('"agent.delta"')) deltaFrames.push(f.payload);
    }),
  );
  // Records whether streamed (not yet stored) text was ever on screen. A string: this project's
  // Node typings have no DOM, and the script runs in the page anyway.
  await page.addInitScript({
    content: `new MutationObserver(() => {
      if (document.querySelector(".msg.streaming")) document.documentElement.dataset.sawStreaming = "yes";
    }).observe(document, { childList: true, subtree: true, characterData: true });`,
  });
}, 120_000);

describe("the phone app, end to end", () => {
  it("pairs by link, starts a session, streams, approves a Write, shows the diff and the file lands", async () => {
    try {
      await run();
    } catch (err) {
      // The test's own error is what matters; a failed screenshot must not replace it.
      await screenshot(page, "pair-and-run-failure").catch((e: Error) =>
        log.push(`screenshot: ${e.message}`),
      );
      throw new Error(
        `${(err as Error).message}\n--- page log ---\n${log.join("\n")}\n--- bridge ---\n${web.w.bridge?.output.slice(-3000)}`,
      );
    }
  }, 240_000);
});

async function run(): Promise<void> {
  const { w } = web;
  const origin = w.relay.url;
  // The link `tether pair` prints: the code, the machine's key and the pairing secret (§12.4).
  const pairing = { url: await pairingLink(w) };
  expect(pairing.url).toMatch(/\/pair#c=[^&]+&m=[A-Za-z0-9_-]{87}&p=[A-Za-z0-9_-]{43}$/);

  // Pair: the link leads to the machine, and the code leaves the address bar.
  await page.goto(pairing.url);
  await page.getByRole("heading", { name: "test-machine" }).waitFor();
  expect(page.url()).toBe(`${origin}/m/${w.machineId}`);
  await page.getByTestId("relay-status").filter({ hasText: "Connected" }).waitFor();
  await page.getByTestId("bridge-status").filter({ hasText: "Bridge online" }).waitFor();
  await screenshot(page, "01-machine");

  // A new session under the bridge's root.
  await page.getByRole("button", { name: "New session" }).click();
  await page.getByLabel("Title (optional)").fill("hello file");
  await screenshot(page, "02-new-session-form");
  await page.getByRole("button", { name: "Start session" }).click();
  await page.waitForURL(/\/s\/s-[A-Za-z0-9_-]+$/);
  await page.getByRole("heading", { name: "hello file" }).waitFor();
  await page.getByTestId("bridge-status").filter({ hasText: "Bridge online" }).waitFor();

  // The prompt goes through the outbox; the scripted model answers with text and a Write.
  const target = join(w.project, "hello.txt");
  await page.getByLabel("Message to Claude").fill(`please [[write path=${target} content=hi_there]]`);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const transcript = page.getByRole("log", { name: "Conversation" });
  await transcript.getByText("Using Write.").waitFor();

  // The permission sheet: the tool, the file, and the content as a diff.
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  await sheet.waitFor();
  await sheet.getByText(target, { exact: true }).waitFor();
  await sheet.locator(".dl.add", { hasText: "hi there" }).waitFor();
  // The session button names exactly what it would grant: this one file, not every Write.
  await sheet.getByRole("button", { name: `Allow for this session: Write on ${target}` }).waitFor();
  await transcript.locator(".msg.user[data-status='delivered']").waitFor();
  expect(existsSync(target)).toBe(false);
  await screenshot(page, "03-permission-sheet");
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await sheet.waitFor({ state: "detached" });

  // The turn finishes: the tool card keeps the diff and shows the decision, then the result line.
  const card = transcript.getByRole("article", { name: `Write: ${target}` });
  await card.locator(".badge", { hasText: "allowed" }).waitFor();
  await card.locator(".dl.add", { hasText: "hi there" }).waitFor();
  await transcript.getByTestId("turn-result").filter({ hasText: "Done" }).waitFor();
  await transcript.locator(".msg.agent", { hasText: /^done$/ }).waitFor();
  await transcript.locator(".msg.user[data-status='done']").waitFor();
  expect(readFileSync(target, "utf8")).toBe("hi there");
  await screenshot(page, "04-turn-done");
  await page.setViewportSize(SMALL_PHONE);
  await screenshot(page, "05-session-360x640");

  // Back on the machine: the session is listed with its state; the same screen in the dark theme.
  await page.getByRole("link", { name: "Back" }).click();
  const row = page.getByRole("listitem").filter({ hasText: "hello file" });
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  await screenshot(page, "06-machine-sessions-360x640");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "07-machine-dark");

  // Streamed text reached the phone as signals and was on screen before the stored message.
  expect(deltaFrames.length).toBeGreaterThan(0);
  expect(await page.evaluate("document.documentElement.dataset.sawStreaming")).toBe("yes");
  expect(foreign).toEqual([]);
  expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
