import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Phone } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import type { ContentPart } from "../support/model-scripts/types.ts";
import type { ScriptedModel } from "../support/scripted-model.ts";
import {
  pairByLink,
  startSession,
  transcript,
  typeAndSend,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 11: Claude's questions are answered by tapping options (or in the person's own words) and
// the answer reaches the model as the label; a plan is sent back with feedback that reaches the
// model, or approved into a mode the session then runs in. Real CLI, real relay, real Chromium.

const web = useWebWorld();

describe("questions and plans on the phone", () => {
  it("answers questions, sends a plan back, approves one into Accept edits", async () => {
    await withDiagnostics("questions-plans", web.w, web.phones, () => run());
  }, 300_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await pairByLink(page, w);
  const room = await startSession(page, { title: "questions" });
  const node = await w.phone(room);

  // A single-select question: tapping an option sends its label.
  await typeAndSend(page, "[[question q=Which_color?]]");
  const ask = await node.wait("permission.request", (r) => r.toolName === "AskUserQuestion");
  expect(ask.kind).toBe("question");
  expect(ask.sessionGrant).toBeUndefined();
  let sheet = page.getByRole("dialog", { name: "Claude has a question" });
  await sheet.getByRole("radio", { name: "blue" }).waitFor();
  await noSessionButton(sheet);
  await sheet.getByRole("radio", { name: "blue" }).click();
  await screenshot(page, "questions-01-single-select");
  await sheet.getByRole("button", { name: "Send answer" }).click();
  await sheet.waitFor({ state: "detached" });
  expect(await toolResultAfter(w.model, node, 1)).toContain('"Which color?"="blue"');
  await said(page, 'Answers: Your questions have been answered: "Which color?"="blue"');

  // A question stays open across a reload; "Other…" sends the person's own words.
  await typeAndSend(page, "[[question q=Which_shade?]]");
  sheet = page.getByRole("dialog", { name: "Claude has a question" });
  await sheet.getByText("Which shade?").waitFor();
  await page.reload();
  await sheet.getByText("Which shade?").waitFor();
  await sheet.getByRole("radio", { name: "Other…" }).click();
  await sheet.getByRole("textbox", { name: "Your own answer: Which shade?" }).fill("a dark teal");
  await screenshot(page, "questions-02-other-text");
  await sheet.getByRole("button", { name: "Send answer" }).click();
  await sheet.waitFor({ state: "detached" });
  expect(await toolResultAfter(w.model, node, 2)).toContain('"Which shade?"="a dark teal"');

  // Two questions in one call, one of them multi-select: both labels go, joined with ", ".
  await typeAndSend(page, "[[questions]]");
  sheet = page.getByRole("dialog", { name: "Claude has questions" });
  await sheet.getByRole("checkbox", { name: "large" }).waitFor();
  const send = sheet.getByRole("button", { name: "Send answers" });
  await sheet.getByRole("radio", { name: "red" }).click();
  await sheet.getByRole("checkbox", { name: "small" }).click();
  expect(await send.isEnabled()).toBe(true);
  await sheet.getByRole("checkbox", { name: "large" }).click();
  await screenshot(page, "questions-03-multi-select");
  await send.click();
  await sheet.waitFor({ state: "detached" });
  expect(await toolResultAfter(w.model, node, 3)).toContain(
    '"Which color?"="red", "Which sizes?"="small, large"',
  );
  const card = transcript(page).getByRole("article", { name: "Question: Which color?" }).last();
  await card.getByText("small, large").waitFor();
  await card.locator(".badge", { hasText: "answered" }).waitFor();
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, "questions-04-answered-cards");

  // Plan mode from the session menu, as a person enters it.
  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByLabel("Permissions").selectOption("plan");
  await node.wait("session.info", (i) => i.permissionMode === "plan");
  await page.getByRole("button", { name: "Session controls" }).click();

  // A plan sent back with feedback: the feedback reaches the model word for word.
  await typeAndSend(page, "[[plan]]");
  const plan = page.getByRole("dialog", { name: "Approve Claude's plan?" });
  await plan.getByRole("heading", { name: "Plan: greet" }).waitFor();
  await noSessionButton(plan);
  const req = await node.wait("permission.request", (r) => r.toolName === "ExitPlanMode");
  expect(req).toMatchObject({ kind: "plan" });
  expect(req.sessionGrant).toBeUndefined();
  await screenshot(page, "questions-05-plan-sheet");
  await plan
    .getByRole("textbox", { name: "Feedback if you keep planning (optional)" })
    .fill("Split step 2 first");
  await plan.getByRole("button", { name: "Keep planning" }).click();
  await plan.waitFor({ state: "detached" });
  const back = await lastToolResult(w.model, node, 4);
  expect(back).toMatchObject({ is_error: true });
  expect(resultOf(back)).toBe("Split step 2 first");
  await said(page, "Plan result: Split step 2 first");

  // A plan approved into "Accept edits": the session says so, and Claude's next Write runs unasked.
  const target = join(w.project, "planned.txt");
  await typeAndSend(page, `[[plan write=${target}]]`);
  await plan.getByRole("heading", { name: "Plan: greet" }).waitFor();
  await plan.getByRole("radio", { name: "Accept edits" }).click();
  await plan.getByRole("button", { name: "Approve" }).click();
  await plan.waitFor({ state: "detached" });
  const resolved = await node.wait("permission.resolved", (r) => r.mode === "acceptEdits");
  expect(resolved.decision).toBe("allow");
  await node.wait("session.info", (i) => i.permissionMode === "acceptEdits");
  await turns(node, 5);
  expect(existsSync(target)).toBe(true);
  const asked = node.bodies("permission.request").map((r) => r.toolName);
  expect(asked).toEqual([
    "AskUserQuestion",
    "AskUserQuestion",
    "AskUserQuestion",
    "ExitPlanMode",
    "ExitPlanMode",
  ]);
  const approved = transcript(page).getByRole("article", { name: "Plan: Plan: greet" }).last();
  await approved.getByText('Approved; Claude continues with "Accept edits".').waitFor();
  await approved.scrollIntoViewIfNeeded();
  await screenshot(page, "questions-06-plan-cards");
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

/** A question or a plan never offers a session grant. */
async function noSessionButton(sheet: Locator): Promise<void> {
  expect(await sheet.getByRole("button", { name: /for this session/i }).count()).toBe(0);
}

/** Claude's words after the tool result, shown in the transcript. */
async function said(page: Page, text: string): Promise<void> {
  await transcript(page).getByText(text, { exact: false }).first().waitFor({ timeout: WAIT });
}

/** Waits for the n-th turn.result of the room; every turn must have ended well. */
async function turns(node: Phone, n: number): Promise<void> {
  await node.wait("turn.result", () => node.of("turn.result").length >= n, WAIT);
  expect(node.bodies("turn.result").map((r) => r.ok)).toEqual(
    Array(node.of("turn.result").length).fill(true),
  );
}

/**
 * The last tool_result the CLI sent the model once the room's n-th turn has ended: what the
 * model really received, not what the phone shows.
 */
async function lastToolResult(model: ScriptedModel, node: Phone, n: number): Promise<ContentPart> {
  await turns(node, n);
  // The turn's last request holds the whole conversation so far, its newest tool result last.
  const parts = (model.turns().at(-1)?.body.messages ?? [])
    .flatMap((m) => (typeof m.content === "string" ? [] : m.content))
    .filter((p) => p.type === "tool_result");
  const last = parts.at(-1);
  if (!last) throw new Error("the model never received a tool result");
  return last;
}

async function toolResultAfter(model: ScriptedModel, node: Phone, n: number): Promise<string> {
  return resultOf(await lastToolResult(model, node, n));
}

function resultOf(p: ContentPart): string {
  if (typeof p.content === "string") return p.content;
  return Array.isArray(p.content) ? p.content.map((c: { text?: string }) => c.text ?? "").join("\n") : "";
}
