import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Phone } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { websockets } from "../support/tcp-proxy.ts";
import {
  pairByLink,
  relayStatus,
  startSession,
  transcript,
  turnsFor,
  turnsInLog,
  typeAndSend,
  userMsg,
  waitTurnsDone,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 4, test 3: reloading the page in the middle of a send and in the middle of a streamed
// answer loses and doubles nothing, and a pending permission prompt comes back after a reload.

const web = useWebWorld({ proxy: true });

describe("reloading the session page", () => {
  it("mid-send, mid-stream and with a permission prompt open: nothing lost, nothing doubled", async () => {
    await withDiagnostics("reload", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, proxy, phone } = web;
  const { page } = phone;
  await pairByLink(page, w, proxy.url);
  const room = await startSession(page, { title: "reloads" });
  const log: Phone = await w.phone(room);
  const box = page.getByLabel("Message to Claude");
  const markers = ["one-2c9", "two-2c9", "three-2c9"];
  const live = () => relayStatus(page).filter({ hasText: "Connected" }).waitFor();

  // 1. Mid-send: the message is in the outbox and its frame is stuck on a dead link (the
  //    WebSocket is stalled; page loads still get through). The reload must send it, once.
  const one = "one-2c9 sent just before the reload";
  expect(proxy.stall("both", websockets)).toBeGreaterThan(0);
  await typeAndSend(page, one);
  await userMsg(page, one).and(page.locator("[data-status='sending']")).waitFor();
  expect(turnsInLog(log, markers).users).toEqual([]);
  await page.reload();
  await userMsg(page, one).waitFor();
  await live();
  // If the old socket still hangs on, its late copy reaches the relay too (same mid: no effect).
  proxy.unstall();
  await userMsg(page, one).and(page.locator("[data-status='done']")).waitFor();
  expect(await box.inputValue()).toBe("");

  // 2. Mid-stream: the reload comes while the answer streams in; streaming picks up where it is.
  // 120 words over 6 s: time for a reload to come back while it still streams.
  const words = 120;
  const two = `two-2c9 [[slow chunks=${words} ms=50]]`;
  await typeAndSend(page, two);
  await transcript(page).locator(".msg.streaming", { hasText: "w10" }).waitFor();
  await page.reload();
  await live();
  await transcript(page).locator(".msg.streaming").waitFor();
  await screenshot(page, "reload-01-streaming-after-reload");
  await userMsg(page, two).and(page.locator("[data-status='done']")).waitFor();
  const last = `w${words - 1}`;
  const answer = transcript(page).locator(".msg.agent", { hasText: last });
  await answer.waitFor();
  expect((await answer.textContent())?.trim()).toBe(
    Array.from({ length: words }, (_, i) => `w${i}`).join(" "),
  );
  expect(await transcript(page).locator(".msg.streaming").count()).toBe(0);

  // 3. A permission prompt is open: after a reload the sheet is back, and answering it works.
  const target = join(w.project, "after-reload.txt");
  const three = `three-2c9 [[write path=${target} content=survived_a_reload]]`;
  await typeAndSend(page, three);
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  await sheet.getByText(target, { exact: true }).waitFor();
  await page.reload();
  await sheet.getByText(target, { exact: true }).waitFor();
  await sheet.locator(".dl.add", { hasText: "survived a reload" }).waitFor();
  await screenshot(page, "reload-02-permission-sheet-after-reload");
  expect(existsSync(target)).toBe(false);
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await sheet.waitFor({ state: "detached" });
  await userMsg(page, three).and(page.locator("[data-status='done']")).waitFor();
  expect(readFileSync(target, "utf8")).toBe("survived a reload");

  // A last reload with everything settled: the transcript from this device's mirror is the same.
  await waitTurnsDone(log, markers);
  await page.reload();
  await live();
  await transcript(page).getByTestId("turn-result").nth(2).waitFor();
  for (const text of [one, two, three]) expect(await userMsg(page, text).count()).toBe(1);
  expect(await transcript(page).locator(".msg.user").count()).toBe(3);
  expect(await transcript(page).getByTestId("turn-result").count()).toBe(3);
  expect(await transcript(page).locator(".msg.agent", { hasText: last }).count()).toBe(1);
  expect(
    await transcript(page)
      .getByRole("article", { name: `Write: ${target}` })
      .count(),
  ).toBe(1);
  expect(await page.getByRole("dialog").count()).toBe(0);

  // The room and Claude agree: each message once, in order, one turn each.
  const turns = turnsInLog(log, markers);
  expect(turns.users.map((u) => u.text)).toEqual([one, two, three]);
  const mids = turns.users.map((u) => u.mid);
  expect(turns.started).toEqual(mids);
  expect(turns.results).toEqual(mids);
  expect(log.of("permission.response")).toHaveLength(1);
  expect(turnsFor(w.model, markers)).toEqual(markers);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
