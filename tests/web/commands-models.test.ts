import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type Phone, until } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { pairByLink, startSession, transcript, typeAndSend, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 11: commands, models, context and permission modes on the phone, against the real CLI.
// The slash picker lists the project's own command from the CLI's list; /compact, /clear and a
// command that cannot run headless; the model picker offers the CLI's models and changes the
// model of the next request; the mode control shows the mode and why one was refused.

const web = useWebWorld();

describe("commands, models and context on the phone", () => {
  it("picks and runs commands, compacts, clears, switches model, and says why a mode is refused", async () => {
    await withDiagnostics("commands-models", web.w, web.phones, () => run());
  }, 300_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  const commands = join(w.project, ".claude", "commands");
  mkdirSync(commands, { recursive: true });
  writeFileSync(
    join(commands, "greet.md"),
    "---\ndescription: Greets someone warmly\nargument-hint: <name>\n---\nSay hello to $ARGUMENTS from the greet command.\n",
  );
  await pairByLink(page, w);
  const room = await startSession(page, { title: "commands" });
  const other: Phone = await w.phone(room);

  // A turn that fills the context: the process starts, lists its commands, and counts 75%.
  await typeAndSend(page, "[[big tokens=750000]]");
  const lists = await other.wait(
    "session.commands",
    (b) => b.commands.some((c) => c.name === "greet"),
    90_000,
  );
  expect(lists.commands.find((c) => c.name === "greet")).toMatchObject({
    description: "Greets someone warmly (project)",
    argumentHint: "<name>",
    source: "custom",
  });
  const meter = page.getByRole("meter", { name: "Context used" });
  await page.getByTestId("context-meter").getByText("75% of context").waitFor();
  expect(await meter.getAttribute("value")).toBe("75");

  await compact(page, other);
  await slashPicker(page, w.model);
  await clear(page, other);
  await modelPicker(
    page,
    other,
    w.model,
    lists.models.map((m) => m.displayName),
  );
  await modes(page, other);
  await headless(page, other);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

/** `/` opens the CLI's commands; typing filters; tapping inserts `/greet `; sending runs it. */
async function slashPicker(page: Page, model: ScriptedModel): Promise<void> {
  const box = page.getByLabel("Message to Claude");
  await box.fill("/");
  const picker = page.getByRole("listbox", { name: "Commands" });
  await picker.getByRole("option", { name: /\/compact/ }).waitFor();
  await box.fill("/gre");
  const greet = picker.getByRole("option", { name: /\/greet/ });
  await greet.getByText("Greets someone warmly (project)").waitFor();
  await greet.getByText("<name>").waitFor();
  expect(await picker.getByRole("option", { name: /\/compact/ }).count()).toBe(0);
  await screenshot(page, "commands-01-slash-picker");
  await greet.click();
  expect(await box.inputValue()).toBe("/greet ");
  await picker.waitFor({ state: "detached" });
  await box.press("End");
  await box.pressSequentially("Bob");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await until(
    () => (lastPrompt(model).includes("Say hello to Bob from the greet command.") ? true : null),
    90_000,
    () => `the greet command's prompt at the model (saw ${lastPrompt(model).slice(-300)})`,
  );
}

/** "Compact now" (shown at 75%) sends /compact: the compaction reaches the phone, the meter drops. */
async function compact(page: Page, other: Phone): Promise<void> {
  const now = page.getByRole("button", { name: "Compact now" });
  await now.waitFor();
  await screenshot(page, "commands-03-context-meter");
  await now.click();
  const done = await other.wait("session.compacted", () => true, 90_000);
  expect(done).toMatchObject({ trigger: "manual" });
  expect(done.preTokens).toBeGreaterThan(700_000);
  await transcript(page)
    .getByText(/Context compacted: [\d,]+ →/)
    .waitFor();
  await until(
    async () => {
      const v = Number(await page.getByRole("meter", { name: "Context used" }).getAttribute("value"));
      return v < 70 ? v : null;
    },
    90_000,
    "the context meter below 70% after /compact",
  );
  await now.waitFor({ state: "detached" });
}

/** A typed /clear starts a new Claude session in the room. */
async function clear(page: Page, other: Phone): Promise<void> {
  const before = other.of("session.transition").length;
  await typeAndSend(page, "/clear");
  await until(
    () => (other.of("session.transition").length > before ? true : null),
    90_000,
    () => `a session.transition after /clear (${other.describe()})`,
  );
  await transcript(page).getByText("Context cleared — new Claude session").waitFor();
}

/** The menu offers exactly the CLI's models; choosing Haiku changes the next request's model. */
async function modelPicker(page: Page, other: Phone, model: ScriptedModel, names: string[]): Promise<void> {
  await page.getByRole("button", { name: "Session controls" }).click();
  const select = page.getByRole("combobox", { name: /^Model/ });
  await select.waitFor();
  const offered = await select.locator("option").allTextContents();
  expect(offered).toEqual(names);
  expect(offered).toContain("Haiku");
  expect(await select.inputValue()).toBe("default");
  await screenshot(page, "commands-02-model-picker");
  await select.selectOption({ label: "Haiku" });
  await other.wait("session.info", (i) => i.model === "haiku", 60_000);
  expect(await select.inputValue()).toBe("haiku");
  await page.getByRole("button", { name: "Session controls" }).click();
  const seen = model.turns().length;
  await typeAndSend(page, "after the model change");
  const req = await until(
    () =>
      model
        .turns()
        .slice(seen)
        .find((r) => lastUserText(r.body).includes("after the model change")) ?? null,
    90_000,
    "the request after the model change",
  );
  expect(req.body.model).toBe("claude-haiku-5-5");
}

/** The mode control offers the shared schema's modes, shows the current one, and why one was refused. */
async function modes(page: Page, other: Phone): Promise<void> {
  await page.getByRole("button", { name: "Session controls" }).click();
  const select = page.getByRole("combobox", { name: /^Permissions/ });
  expect(await select.locator("option").allTextContents()).toEqual([
    "Ask before edits and commands",
    "Accept file edits",
    "Plan only",
  ]);
  await select.selectOption({ label: "Accept file edits" });
  await other.wait("session.info", (i) => i.permissionMode === "acceptEdits", 60_000);
  expect(await select.inputValue()).toBe("acceptEdits");
  // Another client asks for a mode the bridge refuses: the reason shows beside the control.
  await other.sendRaw("session.command", { name: "set_permission_mode", value: "bypassPermissions" });
  const why = page
    .locator(".menu-panel")
    .getByRole("alert")
    .filter({ hasText: "--dangerously-skip-permissions" });
  await why.waitFor();
  expect(await select.inputValue()).toBe("acceptEdits");
  await screenshot(page, "commands-04-refused-mode");
  await page.getByRole("button", { name: "Session controls" }).click();
}

/** /login cannot run headless: the phone says so instead of a silent nothing. */
async function headless(page: Page, other: Phone): Promise<void> {
  await typeAndSend(page, "/login");
  const notice = await other.wait("session.notice", (n) => n.code === "unlisted_command", 90_000);
  expect(notice.text).toContain("/login is not among the commands");
  await transcript(page).getByText("/login is not among the commands").waitFor();
  await transcript(page).getByText("isn't available in this environment").waitFor();
}

function lastPrompt(model: ScriptedModel): string {
  const last = model.turns().at(-1);
  return last ? lastUserText(last.body) : "";
}

function lastUserText(body: ScriptedModel["requests"][number]["body"]): string {
  const user = body.messages.findLast((m) => m.role === "user");
  return user ? ScriptedModel.userTexts({ messages: [user] }).join("\n") : "";
}
