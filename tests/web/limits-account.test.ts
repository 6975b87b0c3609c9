import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeStatus, eventsOf, story } from "../support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "../support/bridge-world.ts";
import { launchBrowser, screenshot } from "../support/browser.ts";
import { UsageLimit } from "../support/model-scripts/limits.ts";
import {
  openPhonePage,
  type PhonePage,
  pairByLink,
  startSession,
  transcript,
  typeAndSend,
  withDiagnostics,
} from "../support/web-app.ts";

// Issue 11: account problems are not failed turns; a usage-limited message waits and continues;
// turn results are said in words.

let w: BridgeWorld;
let browser: Browser;
let phone: PhonePage;

beforeAll(async () => {
  w = await BridgeWorld.start();
  browser = await launchBrowser();
  phone = await openPhonePage(browser);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
}, 60_000);

/** The bridge's env without any credentials, or as a subscriber's (the CLI shows plan limits only then). */
function credentials(kind: "none" | "subscriber"): void {
  const base = BridgeWorld.prototype.env.bind(w);
  w.env = () => {
    const { ANTHROPIC_API_KEY: _, ...env } = base();
    return kind === "none" ? env : { ...env, CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-scripted" };
  };
}

describe("usage limits and the account on the phone", () => {
  it("no credentials: the start output and the banner say so; a message waits and runs after Check again", async () => {
    await withDiagnostics("limits-account", w, [phone], () => noCredentials());
  }, 300_000);

  it("a usage limit: the phone shows the wait and the windows; auto-continue off waits for Continue now", async () => {
    await withDiagnostics("limits-account", w, [phone], () => usageLimit());
  }, 300_000);
});

let room = "";
let s: Phone;

async function noCredentials(): Promise<void> {
  credentials("none");
  const bridge = w.startBridge();
  await until(() => (bridge.output.includes("not signed in") ? true : null), 90_000, "the account check");
  expect(bridge.output).toContain("Claude Code is not signed in on this machine.");
  expect(bridge.output).toContain("ANTHROPIC_API_KEY");
  const { page } = phone;
  await pairByLink(page, w);
  const banner = page.getByRole("alert", { name: "Claude Code account" });
  await banner.getByText("Claude Code is not signed in on this machine.").waitFor();
  await banner.getByText("run `claude`", { exact: false }).waitFor();
  await screenshot(page, "limits-01-account-banner");

  room = await startSession(page, { title: "limits" });
  s = await w.phone(room);
  await typeAndSend(page, "hello [[recall]]");
  await page
    .getByText("Waiting for Claude Code's account to work on the machine", { exact: false })
    .waitFor();
  const held = await s.wait("session.status", (b) => b.state === "waiting_account");
  expect(held.detail).toContain("Not logged in");
  expect(s.bodies("turn.result")).toEqual([]);
  // The CLI's "Not logged in" reply is not shown as Claude's answer.
  expect(await transcript(page).getByText("Not logged in").count()).toBe(0);
  await screenshot(page, "limits-02-waiting-for-account");

  // Credentials given where the CLI reads them, then "Check again" on the machine page.
  writeFileSync(
    join(w.claudeConfig, "settings.json"),
    JSON.stringify({ env: { ANTHROPIC_API_KEY: "sk-scripted-test" } }),
  );
  await page.getByRole("link", { name: "Back" }).click();
  await banner.getByRole("button", { name: "Check again" }).click();
  await banner.waitFor({ state: "detached", timeout: 120_000 });
  const result = await s.wait("turn.result", () => true, 120_000);
  expect(result.ok).toBe(true);
  expect(s.bodies("turn.started")).toHaveLength(1);
  const said = s
    .bodies("agent.message")
    .flatMap((m) => m.blocks.map((b) => (b.type === "text" ? b.text : "")));
  expect(said).toContain("Recalled: hello [[recall]] | continue");
  // The held input let its process go: one sleep for the hold, logged and counted, then one wake.
  expect(story(eventsOf(w, room))).toEqual([
    ...["session.created", "session.started", "session.slept hold"],
    ...["session.woke", "session.resumed sleep", "turn.ended success"],
  ]);
  expect((await bridgeStatus(w)).counters?.sinceStart).toMatchObject({
    sessionsSlept: 1,
    "sessionsSlept.hold": 1,
    sessionsWoken: 1,
  });
  await w.bridge!.kill("SIGTERM");
}

async function usageLimit(): Promise<void> {
  const { page } = phone;
  credentials("subscriber");
  // The key given in the first scenario would win over the subscriber's token.
  writeFileSync(join(w.claudeConfig, "settings.json"), "{}");
  const limit = new UsageLimit(25_000);
  w.model.respond = limit.respond;
  w.startBridge();
  await page.goto(`${w.relay.url}/s/${room}`);
  await page.getByRole("heading", { name: "limits" }).waitFor();

  await typeAndSend(page, "later [[recall]]");
  const wait = page.getByText("Waiting for the usage limit to reset at", { exact: false });
  await wait.waitFor();
  const windows = page.getByRole("list", { name: "Usage windows" });
  await windows.getByText("5-hour limit: used up · resets", { exact: false }).waitFor();
  await windows.getByText("Weekly limit: 40 % used", { exact: false }).waitFor();
  const local = new Date(limit.resetAt!).toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit" });
  expect(await wait.textContent()).toContain(local);
  await screenshot(page, "limits-03-waiting-for-the-limit");

  // Auto-continue off: past the reset it still waits, until Continue now.
  await page.getByRole("button", { name: "Session controls" }).click();
  const toggle = page.getByRole("checkbox", { name: "Continue by itself after a usage limit resets" });
  expect(await toggle.isChecked()).toBe(true);
  await toggle.uncheck();
  await s.wait("session.info", (i) => i.autoContinue === false);
  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByText("Auto-continue is off", { exact: false }).waitFor();
  await screenshot(page, "limits-04-usage-windows-auto-continue-off");
  await until(() => (Date.now() > limit.resetAt! + 3_000 ? true : null), 90_000, "the reset time");
  const mid = s.bodies("turn.started").at(-1)!.inputMid;
  expect(s.bodies("turn.result").filter((r) => r.inputMid === mid)).toEqual([]);
  await page.getByRole("button", { name: "Continue now" }).click();
  const done = await s.wait("turn.result", (r) => r.inputMid === mid, 120_000);
  expect(done.ok).toBe(true);
  await transcript(page).getByText("Recalled: later [[recall]] | continue").waitFor();

  // Turn results in words: a refused request is "Claude could not answer", never "Failed (success)".
  w.model.respond = (_req, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    const error = { type: "invalid_request_error", message: "prompt is too long" };
    res.end(JSON.stringify({ type: "error", error }));
    return true;
  };
  await typeAndSend(page, "too long");
  const line = page.getByTestId("turn-result").filter({ hasText: "Claude could not answer" });
  await line.waitFor({ timeout: 120_000 });
  expect(await transcript(page).getByText("Failed (success)").count()).toBe(0);
  expect(await page.getByTestId("turn-result").filter({ hasText: "Done" }).count()).toBeGreaterThan(0);
  await screenshot(page, "limits-05-turn-results-in-words");
}
