import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { BridgeWorld, Phone } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { pairByLink, startSession, typeAndSend, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 13, the read-only workspace view: from the session menu, the session folder's changed
// files with their states; a tap shows a file's diff as the tool cards do, or its text; the list
// refreshes after each turn by itself and on Refresh; a path outside the roots is refused; a
// file's text is highlighted by its extension, and an unknown one or a large file stays plain.

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

  await highlights(page, w);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

const GREET_TS = `// Greets someone.
export function greet(name: string): string {
  const words = ["hello", name];
  return words.join(" ");
}
`;
const TOOL_PY = `def add(a, b):
    """Adds two numbers."""
    return a + b  # the sum
`;
// Reads as TypeScript, but the extension names no language.
const NOTES = "const x = 1; // not code\nreturn x\n";

/** TypeScript and Python files show tokens in colour with the whole text kept; others stay plain. */
async function highlights(page: Page, w: BridgeWorld): Promise<void> {
  writeFileSync(join(w.project, "greet.ts"), GREET_TS);
  writeFileSync(join(w.project, "tool.py"), TOOL_PY);
  writeFileSync(join(w.project, "notes.xyz"), NOTES);
  // Over the 200 KiB limit: the first page comes, plain.
  writeFileSync(join(w.project, "big.ts"), "export const line = 1;\n".repeat(10_000));

  const ts = await openFile(page, "greet.ts");
  await ts.locator(".hljs-keyword", { hasText: "export" }).waitFor({ timeout: WAIT });
  for (const word of ["function", "const", "return"])
    expect(await ts.locator(".hljs-keyword", { hasText: word }).count()).toBe(1);
  expect(await ts.locator(".hljs-title.function_").allTextContents()).toEqual(["greet", "join"]);
  expect(await ts.locator(".hljs-string", { hasText: '"hello"' }).count()).toBe(1);
  expect(await ts.locator(".hljs-comment").textContent()).toBe("// Greets someone.");
  expect(await ts.locator("pre").textContent()).toBe(GREET_TS);
  // The stylesheet colours the tokens: a keyword is not drawn as the plain text around it.
  const colour = (l: Locator) => l.evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).color);
  const keyword = await colour(ts.locator(".hljs-keyword").first());
  expect(keyword).toMatch(/^rgb/);
  expect(keyword).not.toBe(await colour(ts.locator("pre")));
  await screenshot(page, "workspace-04-highlighted");

  const py = await openFile(page, "tool.py");
  await py.locator(".hljs-keyword", { hasText: "def" }).waitFor();
  expect(await py.locator(".hljs-string").textContent()).toBe('"""Adds two numbers."""');
  expect(await py.locator(".hljs-comment").textContent()).toBe("# the sum");
  expect(await py.locator("pre").textContent()).toBe(TOOL_PY);

  // The highlighter is loaded by now, so no span here means it was not used.
  const notes = await openFile(page, "notes.xyz");
  await notes.locator("pre", { hasText: "not code" }).waitFor();
  expect(await notes.locator("pre").textContent()).toBe(NOTES);
  expect(await notes.locator("pre span").count()).toBe(0);

  const big = await openFile(page, "big.ts");
  await big.getByRole("button", { name: /^Load more/ }).waitFor();
  expect(await big.locator("pre").textContent()).toMatch(/^(export const line = 1;\n)+$/);
  expect(await big.locator("pre span").count()).toBe(0);
}

/** Opens a path through the "Open a file" field; its file view once its text is there. */
async function openFile(page: Page, path: string) {
  await page.getByLabel("Open a file (relative to the session's folder)").fill(path);
  await page.getByRole("button", { name: "Open", exact: true }).click();
  const shown = page.getByRole("region", { name: `File of ${path}` });
  await shown.locator("pre").waitFor({ timeout: WAIT });
  return shown;
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
