import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser.ts";
import { runTerminalClaude } from "../support/terminal-claude.ts";
import { runTether } from "../support/tether-process.ts";
import { pairByLink, typeAndSend, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 16: a session started in a terminal is marked as such on the phone, the composer says where
// a message goes, and after the terminal ended, sending continues it here (the mark then goes).

const web = useWebWorld();

describe("a terminal session on the phone", () => {
  it("shows the Terminal badge and its hint, and continues the ended session from the composer", async () => {
    await withDiagnostics("terminal-badge", web.w, web.phones, () => run());
  }, 300_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await pairByLink(page, w);
  const installed = await runTether(
    ["hooks", "install", "--config-dir", w.claudeConfig, "--state-dir", w.stateDir, "--json"],
    w.env(),
  );
  expect(installed.code, installed.stderr).toBe(0);
  const done = await runTerminalClaude({ cwd: w.project, env: w.env(), prompt: "hello from the desk" });
  expect(done.code, done.stderr).toBe(0);

  const row = page.locator(".session-row").filter({ hasText: `Terminal: ${basename(w.project)}` });
  await row.getByText("Terminal", { exact: true }).waitFor();
  await row.getByText("ended", { exact: true }).waitFor();
  await screenshot(page, "terminal-01-list");
  await row.getByRole("link").click();
  await page.waitForURL(/\/s\/s-[A-Za-z0-9_-]+$/);
  const badge = page.locator(".topbar .origin-badge");
  await badge.filter({ hasText: "Terminal" }).waitFor();
  await page.getByText("Echo: hello from the desk").waitFor();
  const box = page.getByLabel("Message to Claude");
  await page.getByPlaceholder("Ended in the terminal: sending continues it here…").waitFor();
  expect(await box.isEnabled()).toBe(true);
  await screenshot(page, "terminal-02-ended");

  await typeAndSend(page, "continue on the phone");
  await page.getByText("Echo: continue on the phone").waitFor({ timeout: 120_000 });
  await badge.waitFor({ state: "detached" });
  await page.getByPlaceholder("Message Claude…").waitFor();
  expect(await page.getByText("Echo: hello from the desk").count()).toBe(1);
  await screenshot(page, "terminal-03-continued");

  // Back to a keyboard: the menu gives the command that takes it over, and the one that follows it.
  const id = /"session_id":"([0-9a-f-]{36})"/.exec(JSON.stringify(done.lines.map((l) => l.json)))?.[1];
  if (!id) throw new Error("the terminal run named no session id");
  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByText("Continue at a keyboard").click();
  expect(await page.getByTestId("desk-resume").inputValue()).toBe(`cd ${w.project} && claude --resume ${id}`);
  const room = new URL(page.url()).pathname.split("/").at(-1);
  expect(await page.getByTestId("desk-attach").inputValue()).toBe(`tether attach ${room}`);
  await screenshot(page, "terminal-04-keyboard");
}
