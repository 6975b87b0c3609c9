import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser.ts";
import {
  bridgeStatus,
  type PhonePage,
  pairByLink,
  relayStatus,
  startSession,
  transcript,
  typeAndSend,
  userMsg,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 4, test 4: a view-only share link shows the live session (first prompt included, on a
// phone that did not create it) and offers no way to send; once revoked, it stops working.

/** Phones: the owner, a viewer of the share link, and one that opens it only once revoked. */
const web = useWebWorld({ phones: 3 });

type TokenInfo = { id: string; kind: string; role: string | null; rooms: string[] };

describe("a view-only share link", () => {
  it("follows the session live, cannot send, and stops working when revoked", async () => {
    await withDiagnostics("share", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w } = web;
  const [owner, viewer, late] = web.phones as [PhonePage, PhonePage, PhonePage];
  const a = owner.page;
  const v = viewer.page;
  await pairByLink(a, w);
  const first = "first-5d1 plan the refactor";
  const room = await startSession(a, { title: "shared work", prompt: first });
  await userMsg(a, first).and(a.locator("[data-status='done']")).waitFor();

  // The share sheet: a view-only link, shown to copy (no system share sheet in this browser).
  await a.getByRole("button", { name: "Session controls" }).click();
  await a.getByRole("button", { name: "Share view-only link" }).click();
  const field = a.locator("#session-menu .share input");
  await field.waitFor();
  const url = await field.inputValue();
  expect(url).toMatch(new RegExp(`^${w.relay.url}/s/${room}#t=.+`));
  await screenshot(a, "share-01-share-sheet");
  await a.getByRole("button", { name: "Session controls" }).click();

  // The viewer: the session as it is, the first prompt's text included (this phone never saw it
  // typed: it comes from the room), and nothing to send with.
  await v.goto(url);
  await v.getByRole("heading", { name: "shared work" }).waitFor();
  await v.getByRole("note").filter({ hasText: "View only — this link cannot send messages." }).waitFor();
  await relayStatus(v).filter({ hasText: "Connected" }).waitFor();
  await bridgeStatus(v).filter({ hasText: "Bridge online" }).waitFor();
  await userMsg(v, first).and(v.locator("[data-status='done']")).waitFor();
  expect(v.url()).toBe(`${w.relay.url}/s/${room}`);
  expect(await v.getByLabel("Message to Claude").count()).toBe(0);
  expect(await v.getByRole("button", { name: "Send", exact: true }).count()).toBe(0);
  expect(await v.getByRole("button", { name: "Session controls" }).count()).toBe(0);
  expect(await v.getByText("(first prompt, given when the session was created)").count()).toBe(0);

  // Live: what the owner sends shows up on the viewer; a permission prompt is announced, not offered.
  const said = "live-5d1 hello to whoever watches";
  await typeAndSend(a, said);
  await userMsg(v, said).and(v.locator("[data-status='done']")).waitFor();
  await transcript(v)
    .locator(".msg.agent", { hasText: `Echo: ${said}` })
    .waitFor();
  const target = join(w.project, "shared.txt");
  await typeAndSend(a, `ask-5d1 [[write path=${target} content=watched]]`);
  await v.getByRole("status").filter({ hasText: "Claude is waiting for permission to use Write." }).waitFor();
  expect(await v.getByRole("dialog").count()).toBe(0);
  await screenshot(v, "share-02-viewer-live");
  const sheet = a.getByRole("dialog", { name: "Allow Write?" });
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await transcript(v)
    .getByRole("article", { name: `Write: ${target}` })
    .locator(".badge", { hasText: "allowed" })
    .waitFor();
  await transcript(v).getByTestId("turn-result").nth(2).waitFor();

  // Revoked with the bridge's token: the viewer's socket is closed and the page says why.
  const tokens = (await api("GET", "/api/tokens")) as { tokens: TokenInfo[] };
  const shares = tokens.tokens.filter((t) => t.kind === "share" && t.rooms.includes(room));
  expect(shares.map((t) => t.role)).toEqual(["viewer"]);
  await api("DELETE", `/api/tokens/${shares[0]?.id}`);
  await relayStatus(v).filter({ hasText: "Access revoked or expired" }).waitFor();
  await v.getByRole("alert").filter({ hasText: "This link was revoked or has expired." }).waitFor();
  await screenshot(v, "share-03-revoked");

  // Nothing new reaches it: the owner's next message is answered, the viewer never shows it.
  const after = "after-5d1 not for the revoked link";
  await typeAndSend(a, after);
  await userMsg(a, after).and(a.locator("[data-status='done']")).waitFor();
  expect(await userMsg(v, after).count()).toBe(0);

  // Not after a reload either (the revoked link and what it showed were wiped from the phone; the
  // tab still says why), nor on a phone that opens the link for the first time.
  await v.reload();
  await v.getByRole("alert").filter({ hasText: "This link was revoked or has expired." }).waitFor();
  await v.getByRole("alert").filter({ hasText: "removed from this phone" }).waitFor();
  expect(await userMsg(v, said).count()).toBe(0);
  expect(await userMsg(v, after).count()).toBe(0);
  await late.page.goto(url);
  await late.page.getByRole("alert").filter({ hasText: "This link was revoked or has expired." }).waitFor();
  expect(await userMsg(late.page, said).count()).toBe(0);
  expect(await late.page.getByLabel("Message to Claude").isDisabled()).toBe(true);

  for (const p of [owner, viewer, late]) expect(p.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

async function api(method: "GET" | "DELETE", path: string): Promise<unknown> {
  const { w } = web;
  const res = await fetch(`${w.relay.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${w.bridgeToken}` },
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}
