import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type Phone, until } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import {
  pairByLink,
  startSession,
  transcript,
  typeAndSend,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 11: Claude's todo list is a pinned checklist (the latest TodoWrite, also after a reload);
// a subagent's calls are grouped under its card; a prompt raised inside a subagent is answered
// from the phone; a subagent is stopped from the phone while the turn goes on to its result.

// CLI 2.1.330 offers TodoWrite only with its newer task tools switched off (and todo tools on for
// the scripted model); users of older CLIs and models get it by default.
const web = useWebWorld({ env: { CLAUDE_CODE_ENABLE_TASKS: "false", CLAUDE_CODE_ENABLE_TODO_TOOLS: "1" } });

describe("todos, subagents and tasks on the phone", () => {
  it("shows the checklist, groups a subagent's calls, answers its prompt and stops it", async () => {
    await withDiagnostics("agents-todos", web.w, web.phones, () => run());
  }, 300_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await pairByLink(page, w);
  const room = await startSession(page, { title: "agents" });
  const other = await w.phone(room);
  await todos(page, other);
  await subagent(page, other, w.project);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

async function todos(page: Page, other: Phone): Promise<void> {
  await typeAndSend(page, "[[todo]]");
  await other.wait("turn.result", () => true, WAIT);
  expect(other.bodies("session.todos")).toHaveLength(3);
  await expectChecklist(page);
  // One checklist, not a card per TodoWrite call.
  await transcript(page).getByText("todos done").waitFor();
  expect(
    await transcript(page)
      .getByRole("article", { name: /^TodoWrite/ })
      .count(),
  ).toBe(0);
  await screenshot(page, "agents-01-todo-checklist");
  await page.reload();
  await expectChecklist(page);
}

/** The third update: two items done, the last in progress. */
async function expectChecklist(page: Page): Promise<void> {
  const list = page.getByRole("region", { name: "Todo list" });
  await list.getByText("2/3 done").waitFor({ timeout: WAIT });
  const states = await list.getByRole("listitem").evaluateAll((els) => els.map((e) => e.textContent));
  expect(states).toEqual([
    expect.stringContaining("Read the code(done)"),
    expect.stringContaining("Write the fix(done)"),
    expect.stringContaining("Run the tests(in progress)"),
  ]);
}

async function subagent(page: Page, other: Phone, project: string): Promise<void> {
  const turns = other.of("turn.result").length;
  await typeAndSend(page, `[[agent name=Helper dir=${project} sleep=120]]`);

  // The subagent's own Bash call asks for permission: answered here, and the subagent goes on.
  const sheet = page.getByRole("dialog", { name: "Allow Bash?" });
  await sheet.getByText(`echo sub-two > ${project}/sub.txt`).first().waitFor({ timeout: WAIT });
  const req = await other.wait("permission.request", (r) => r.toolName === "Bash");
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await sheet.waitFor({ state: "detached" });
  const ran = await other.wait("tool.result", (r) => r.toolUseId === req.toolUseId, WAIT);
  expect(ran.parentToolUseId).toMatch(/^toolu_/);
  expect(readFileSync(join(project, "sub.txt"), "utf8")).toBe("sub-two\n");

  // Its calls sit inside its card, not in the conversation.
  const card = transcript(page).getByRole("article", { name: "Subagent: Helper task" });
  const steps = card.getByRole("region", { name: "Steps of Helper task" });
  await steps.getByRole("article", { name: "Bash: echo sub-one" }).waitFor({ timeout: WAIT });
  await steps.getByRole("article", { name: `Bash: echo sub-two > ${project}/sub.txt` }).waitFor();
  expect(await transcript(page).getByRole("article", { name: "Bash: echo sub-one" }).count()).toBe(1);
  await screenshot(page, "agents-02-subagent-card");

  // Stopped from the tasks strip while it streams its slow reply; the turn goes on to its result.
  const tasks = page.getByRole("region", { name: "Tasks" });
  const stop = tasks.getByRole("button", { name: "Stop Helper task" });
  await stop.waitFor({ timeout: WAIT });
  await stop.click();
  const agent = await other.wait(
    "session.tasks",
    (b) => b.tasks.some((t) => t.kind === "agent" && t.status === "stopped"),
    WAIT,
  );
  expect(agent.tasks.find((t) => t.kind === "agent")).toMatchObject({ description: "Helper task" });
  const result = await until(
    () => other.bodies("turn.result")[turns] ?? null,
    WAIT,
    () => `the subagent turn's result (${other.describe()})`,
  );
  expect(result).toMatchObject({ ok: true, subtype: "success" });
  await transcript(page)
    .getByText(/^agent done:/)
    .waitFor({ timeout: WAIT });
  // Folded once nothing runs; a tap opens it.
  await tasks.getByText("Tasks", { exact: true }).click();
  await tasks.locator(".task", { hasText: "Helper task" }).getByText("stopped").waitFor();
  await card.locator(".badge", { hasText: "stopped" }).waitFor();
  await screenshot(page, "agents-03-tasks-stopped");
}
