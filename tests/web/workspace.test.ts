import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { BridgeWorld, Phone } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { pairByLink, startSession, typeAndSend, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 13, the read-only workspace view: from the session menu, the session folder's changed
// files with their states; a tap shows a file's diff as the tool cards do, or its text; the list
// refreshes after each turn by itself and on Refresh; a path outside the roots is refused.

const web = useWebWorld();

describe("the changes view on the phone", () => {
  it("lists the files a turn wrote, shows their diffs and text, refreshes, refuses outside the roots", async () => {
    await withDiagnostics("workspace", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  initRepo(w);
  await pairByLink(page, w);
  const room = await startSession(page, { title: "changes" });
  const other = await w.phone(room);

  // A turn writes two files, each allowed on this phone.
  const files = "a.txt:changed_first_line,b.txt:brand_new_line";
  await typeAndSend(page, `[[write_each dir=${w.project} files=${files}]]`);
  for (const name of ["a.txt", "b.txt"]) {
    const sheet = page.getByRole("dialog", { name: "Allow Write?" });
    await sheet.getByText(join(w.project, name)).first().waitFor({ timeout: WAIT });
    await sheet.getByRole("button", { name: "Allow", exact: true }).click();
    await sheet.getByText(join(w.project, name)).first().waitFor({ state: "detached" });
  }
  await other.wait("turn.result", () => true, WAIT);

  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByRole("link", { name: "Changes", exact: true }).click();
  await page.waitForURL(`**/s/${room}/changes`);
  const list = changedFiles(page);
  await list.getByRole("button", { name: "a.txt, modified" }).waitFor({ timeout: WAIT });
  await list.getByRole("button", { name: "b.txt, untracked" }).waitFor();
  await page.getByText("main · no upstream").waitFor();
  await screenshot(page, "workspace-01-changed-files");

  // A tap shows the diff, drawn as a tool call's diff is.
  await list.getByRole("button", { name: "a.txt, modified" }).click();
  const diff = page.getByRole("region", { name: "Diff of a.txt" });
  await diff.getByRole("figure", { name: "a.txt: 1 lines added, 1 removed" }).waitFor();
  await diff.locator(".dl.del", { hasText: "first line" }).waitFor();
  await diff.locator(".dl.add", { hasText: "changed first line" }).waitFor();
  await screenshot(page, "workspace-02-diff");
  await list.getByRole("button", { name: "b.txt, untracked" }).click();
  await page
    .getByRole("region", { name: "Diff of b.txt" })
    .locator(".dl.add", { hasText: "brand new line" })
    .waitFor();
  await page.getByRole("button", { name: "File", exact: true }).click();
  await page.getByRole("region", { name: "File of b.txt" }).getByText("brand new line").waitFor();

  await refreshes(page, other, w);

  // A path outside the roots is refused in words that do not repeat it.
  await page.getByLabel("Open a file (relative to the session's folder)").fill("../state/bridge.json");
  await page.getByRole("button", { name: "Open", exact: true }).click();
  const shown = page.getByRole("region", { name: "File of ../state/bridge.json" });
  const refused = shown.getByRole("note");
  await refused.getByText("not a place this bridge may show").waitFor();
  expect(await refused.textContent()).not.toContain("bridge.json");
  expect(await shown.locator("pre").count()).toBe(0);
  await screenshot(page, "workspace-03-refused-outside-the-roots");
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

/** After a turn of another phone the list is asked again by itself; a file written by hand needs Refresh. */
async function refreshes(page: Page, other: Phone, w: BridgeWorld): Promise<void> {
  const turns = other.of("turn.result").length;
  await other.send("user.message", { text: `[[write_each dir=${w.project} files=c.txt:third]]` });
  const req = await other.wait("permission.request", (r) => JSON.stringify(r.input).includes("c.txt"), WAIT);
  await other.send("permission.response", { requestId: req.requestId, decision: "allow" });
  await other.wait("turn.result", () => other.of("turn.result").length > turns, WAIT);
  const list = changedFiles(page);
  await list.getByRole("button", { name: "c.txt, untracked" }).waitFor({ timeout: WAIT });

  writeFileSync(join(w.project, "d.txt"), "by hand\n");
  expect(await list.getByRole("button", { name: "d.txt, untracked" }).count()).toBe(0);
  await page.getByRole("button", { name: "Refresh", exact: true }).click();
  await list.getByRole("button", { name: "d.txt, untracked" }).waitFor({ timeout: WAIT });
}

function changedFiles(page: Page) {
  return page.getByRole("region", { name: "Changed files" });
}

/** The project as a git repository with one commit, made with an identity of the test's own. */
function initRepo(w: BridgeWorld): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Tether Test", "-c", "user.email=test@example.com", ...args], {
      cwd: w.project,
      env: { ...process.env, HOME: w.home, GIT_CONFIG_NOSYSTEM: "1" },
    });
  writeFileSync(join(w.project, "a.txt"), "first line\n");
  git("init", "-q", "-b", "main");
  git("add", "a.txt");
  git("commit", "-q", "-m", "start");
}
