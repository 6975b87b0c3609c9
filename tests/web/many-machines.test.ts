import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import {
  askOn,
  inboxCount,
  machineRow,
  promptOn,
  revokePhone,
  tetherDevices,
} from "../support/many-machines.ts";
import { pairByLink, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 16, part 1: one phone, many machines. Two bridges on one relay, paired to one phone: both
// listed by name with their presence, a prompt on each in one inbox (newest first, answered there),
// and revoking one machine's pairing leaves the other working. Rename and forget are the phone's.

const web = useWebWorld({ machines: [{ name: "machine-two", relay: "same" }] });

describe("one phone, many machines (one relay)", () => {
  it("lists both machines with presence, gathers their prompts in one inbox, survives one revocation", async () => {
    await withDiagnostics("many-machines", web.w, web.phones, () => run());
  }, 360_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const two = web.more[0];
  if (!two) throw new Error("no second machine");
  const { page } = phone;
  await pairByLink(page, w);
  await pairByLink(page, two);

  // Both machines by name, each with its bridge online.
  await page.goto(`${w.relay.url}/`);
  const one = machineRow(page, "test-machine");
  const second = machineRow(page, "machine-two");
  await one.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await second.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await screenshot(page, "many-01-machines");

  // `tether devices` on each machine shows this phone under the label it paired with.
  for (const m of [w, two]) {
    const listed = await tetherDevices(m);
    expect(listed.filter((t) => t.kind === "device").map((t) => t.label)).toContain("Chrome on Android");
  }

  // A Write prompt on each machine, one after the other: the inbox has both, the newest first.
  const fileOne = join(w.project, "one.txt");
  const fileTwo = join(two.project, "two.txt");
  const s1 = await promptOn(w, "first job", fileOne);
  await inboxCount(page, 1);
  const s2 = await promptOn(two, "second job", fileTwo);
  await inboxCount(page, 2);
  // On the first session's page (its own prompt open), the top bar counts the other machine's.
  const machinesUrl = page.url();
  await page.goto(`${new URL(machinesUrl).origin}/s/${s1.room}`);
  await page.getByRole("dialog", { name: "Allow Write?" }).waitFor();
  await inboxCount(page, 1);
  await page.goto(machinesUrl);
  await page.getByTestId("inbox-link").click();
  const items = page.getByRole("list", { name: "Waiting prompts" }).getByRole("listitem");
  await until(async () => ((await items.count()) === 2 ? true : null), WAIT, "two inbox rows");
  expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-machine")))).toEqual([
    two.machineId,
    w.machineId,
  ]);
  await items.nth(0).getByText("machine-two · second job").waitFor();
  await items.nth(1).getByText("test-machine · first job").waitFor();
  await screenshot(page, "many-02-inbox");

  // Answered from the inbox: allow on machine one, deny on machine two.
  await items.nth(1).getByRole("button").click();
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  await sheet.getByText(fileOne, { exact: true }).waitFor();
  await screenshot(page, "many-03-inbox-sheet");
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await sheet.waitFor({ state: "detached" });
  expect((await s1.wait("permission.resolved", () => true, WAIT)).decision).toBe("allow");
  await s1.wait("turn.result", () => true, WAIT);
  expect(readFileSync(fileOne, "utf8")).toBe("hi there");
  await until(async () => ((await items.count()) === 1 ? true : null), WAIT, "one inbox row left");
  expect(await items.first().getAttribute("data-machine")).toBe(two.machineId);
  await items.nth(0).getByRole("button").click();
  await sheet.getByText(fileTwo, { exact: true }).waitFor();
  await sheet.getByRole("button", { name: "Deny" }).click();
  await sheet.waitFor({ state: "detached" });
  expect((await s2.wait("permission.resolved", () => true, WAIT)).decision).toBe("deny");
  await page.getByText("Nothing waits for you").waitFor();
  expect(existsSync(fileTwo)).toBe(false);

  // Machine two's bridge stops: listed as offline since a time; machine one stays online.
  await two.bridge?.kill("SIGTERM");
  await page.getByRole("link", { name: "Back" }).click();
  await second
    .getByTestId("machine-presence")
    .filter({ hasText: /^Bridge offline since \d/ })
    .waitFor();
  await one.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await screenshot(page, "many-04-one-offline");

  // Machine two revokes this phone: the phone forgets it; machine one still works, prompts included.
  await revokePhone(two);
  await second.waitFor({ state: "detached" });
  await page.getByText("The pairing with").filter({ hasText: two.machineId }).waitFor();
  await one.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  // A question this time: put off with "Not now" (it stays), then answered from the inbox.
  const s3 = await askOn(w, "third job", "[[question q=Which_color?]]");
  await inboxCount(page, 1);
  await page.getByTestId("inbox-link").click();
  await items.nth(0).getByText("test-machine · third job").waitFor();
  await items.nth(0).getByText("Claude has a question").waitFor();
  await items.nth(0).getByRole("button").click();
  const question = page.getByRole("dialog", { name: "Claude has a question" });
  await question.getByRole("button", { name: "Not now" }).click();
  await question.waitFor({ state: "detached" });
  await items.nth(0).getByRole("button").click();
  await question.getByRole("radio", { name: "blue" }).click();
  await question.getByRole("button", { name: "Send answer" }).click();
  await question.waitFor({ state: "detached" });
  const answered = await s3.wait("permission.resolved", () => true, WAIT);
  expect(answered).toMatchObject({ decision: "allow", edited: true });
  expect(answered.input).toMatchObject({ answers: { "Which color?": "blue" } });
  await page.getByText("Nothing waits for you").waitFor();

  // Rename is this phone's own name for the machine, kept across a reload; forget drops it here.
  await page.goto(`${w.relay.url}/machines`);
  await one.getByRole("button", { name: "Rename test-machine" }).click();
  await page.getByLabel("New name for test-machine").fill("Work laptop");
  await page.getByRole("button", { name: "Save" }).click();
  const renamed = machineRow(page, "Work laptop");
  await renamed.waitFor();
  await page.reload();
  await renamed.getByTestId("machine-presence").filter({ hasText: "Bridge online" }).waitFor();
  await renamed.locator(".sub", { hasText: "“test-machine”" }).waitFor();
  await screenshot(page, "many-05-renamed");
  page.once("dialog", (d) => void d.accept());
  await renamed.getByRole("button", { name: "Forget Work laptop" }).click();
  await renamed.waitFor({ state: "detached" });
  await page.goto(`${w.relay.url}/`);
  await page.getByText("To pair, run").waitFor();
}
