import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Phone, until } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { pairByLink, startSession, transcript, typeAndSend, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 10: a prompt is answered only when the bridge resolves it (a refused answer leaves it open
// on the phone, with the reason); a tool card shows an edited answer as such, with what ran; the
// session button says what it grants, and the session menu lists and revokes grants.

const web = useWebWorld({ proxy: true });

describe("permission answers on the phone", () => {
  it("a refused answer keeps the prompt; edits and grants are shown as they are", async () => {
    await withDiagnostics("permission-answers", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, proxy, phone } = web;
  const { page } = phone;
  await pairByLink(page, w, proxy.url);
  const room = await startSession(page, { title: "answers" });
  const other: Phone = await w.phone(room);

  // Another controller answers with a body the bridge cannot read: the prompt stays here.
  const dir = join(w.project, "web-dir");
  await typeAndSend(page, `[[bash cmd=mkdir_-p_${dir}]]`);
  const sheet = page.getByRole("dialog", { name: "Allow Bash?" });
  await sheet.getByText(`mkdir -p ${dir}`).first().waitFor();
  const req = await other.wait("permission.request");
  await other.sendRaw("permission.response", { requestId: req.requestId, decision: "maybe" });
  await other.wait("session.notice", (n) => n.code === "bad_response" && n.requestId === req.requestId);
  await sheet.getByRole("alert").filter({ hasText: "The bridge refused the answer" }).waitFor();
  await screenshot(page, "perm-01-refused-answer-keeps-the-prompt");

  // The session button names exactly what it grants; the menu lists it and revokes it.
  const grant = sheet.getByRole("button", {
    name: `Allow for this session: the Bash command "mkdir -p ${dir}"`,
  });
  await grant.click();
  await sheet.waitFor({ state: "detached" });
  expect(await other.wait("permission.resolved", (r) => r.requestId === req.requestId)).toMatchObject({
    decision: "allow",
    granted: `the Bash command "mkdir -p ${dir}"`,
  });
  expect((await other.wait("turn.result", () => true, 60_000)).ok).toBe(true);
  expect(existsSync(dir)).toBe(true);
  await page.getByRole("button", { name: "Session controls" }).click();
  const revoke = page.getByRole("button", { name: `Revoke: the Bash command "mkdir -p ${dir}"` });
  await revoke.waitFor();
  await screenshot(page, "perm-02-session-menu-grants");
  const infos = other.of("session.info").length;
  await revoke.click();
  await until(
    () =>
      other
        .bodies("session.info")
        .slice(infos)
        .find((x) => x.grants === undefined) ?? null,
    60_000,
    () => `a session.info without grants (${other.describe()})`,
  );
  await page.getByText('No "allow for this session" grants.').waitFor();
  await page.getByRole("button", { name: "Session controls" }).click();

  // An answer with edits (a question's answers), sent by another controller: the card says so.
  await typeAndSend(page, "[[ask q=Which_color?]]");
  const ask = await other.wait("permission.request", (r) => r.toolName === "AskUserQuestion");
  const answers = { ...(ask.input as Record<string, unknown>), answers: { "Which color?": "blue" } };
  await other.send("permission.response", {
    requestId: ask.requestId,
    decision: "allow",
    updatedInput: answers,
  });
  // A question's card shows the answer it got (issue 11: answered-card.tsx), not the edited JSON.
  const card = transcript(page).getByRole("article", { name: "Question: Which color?" });
  await card.locator(".badge", { hasText: "answered" }).waitFor();
  await card.getByText("blue", { exact: true }).waitFor();
  await screenshot(page, "perm-03-allowed-with-edits");
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
