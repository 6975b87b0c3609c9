import { join } from "node:path";
import type { Worker } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { PushPayload } from "../../shared/protocol/index.ts";
import { waitControlled } from "../support/app-shell.ts";
import { type Phone, until } from "../support/bridge-world.ts";
import { queuedAnswers, serviceWorkerCdp, worker } from "../support/service-worker.ts";
import { pairByLink, startSession, typeAndSend, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 12, with a notification platform (a full Chromium; chrome-headless-shell, which `npm ci`
// brings, has none): a push reaches the service worker (CDP's ServiceWorker.deliverPushMessage, as
// Chrome's push service would hand it over) and becomes the session's notification; its Allow
// answers the prompt exactly once through the app's outbox, also with the app closed and the
// network cut during the answer; a tap opens the session; an answer given elsewhere updates it.

const web = useWebWorld({ proxy: true });

describe("the service worker and Web Push", () => {
  it("shows a prompt's push, answers it once from the notification while the app is closed and the network flaps", async () => {
    await withDiagnostics("push-sw", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, proxy, phone } = web;
  const { page } = phone;
  const origin = proxy.url;
  await page.context().grantPermissions(["notifications"], { origin });
  await pairByLink(page, w, origin);
  const permission = await page.evaluate("Notification.permission");
  if (permission !== "granted")
    throw new Error(
      `this browser has no notifications (permission ${String(permission)}): set TETHER_CHROMIUM to a full Chromium`,
    );
  await waitControlled(page);
  const room = await startSession(page, { title: "Pocket" });
  const log: Phone = await w.phone(room);
  const file = join(w.project, "pocket.txt");
  await typeAndSend(page, `[[write path=${file} content=from_the_lock_screen]]`);
  const req = await log.wait("permission.request");
  const sw = await worker(page);
  // CDP needs a page to speak through; a blank one, so that closing the app leaves no app window.
  const host = await page.context().newPage();
  const push = await serviceWorkerCdp(host, origin);

  // The push: the session's title, what is asked, Allow and Deny.
  await push.push(
    payload(room, req.requestId, "prompt", {
      title: "Pocket",
      body: "Allow Write?",
      tag: room,
      requestId: req.requestId,
    }),
  );
  const [shown] = await until(
    async () => {
      const list = await notifications(sw, room);
      return list.length > 0 ? list : null;
    },
    WAIT,
    "the prompt's notification",
  );
  expect(shown).toMatchObject({
    title: "Pocket",
    body: "Allow Write?",
    tag: room,
    actions: ["allow", "deny"],
  });

  // The app is closed, the network is gone: Allow is queued in the outbox and goes when it is back.
  await page.close();
  proxy.cut();
  await click(sw, room, "allow", 2); // a double tap is one answer
  await until(
    async () => ((await queuedAnswers(sw)) > 0 ? true : null),
    WAIT,
    "the answer queued in IndexedDB",
  );
  expect(log.of("permission.response")).toEqual([]);
  proxy.restore();
  const resolved = await log.wait("permission.resolved", (r) => r.requestId === req.requestId, 60_000);
  expect(resolved.decision).toBe("allow");
  const answers = log.bodies("permission.response").filter((r) => r.requestId === req.requestId);
  expect(answers).toEqual([{ requestId: req.requestId, decision: "allow" }]);
  await until(async () => ((await queuedAnswers(sw)) === 0 ? true : null), WAIT, "the outbox drained");

  // Answered (here or elsewhere): the relay's `resolved` push replaces the notification, quietly.
  await push.push(
    payload(room, req.requestId, "resolved", {
      title: "Pocket",
      body: "Allowed.",
      tag: room,
      requestId: req.requestId,
      closes: true,
    }),
  );
  await until(
    async () => {
      const [n] = await notifications(sw, room);
      return n?.body === "Allowed." ? n : null;
    },
    WAIT,
    "the notification saying it was answered",
  );

  // A tap opens the session: an app window on another page is sent there. (Opening a new window
  // or focusing one needs a tap the browser saw itself, which a test cannot make.)
  const other = await page.context().newPage();
  await other.goto(`${origin}/m/${w.machineId}`);
  await other.getByRole("heading", { name: "test-machine" }).waitFor();
  await click(sw, room, "");
  await other.waitForURL(new RegExp(`/s/${room}$`), { timeout: WAIT });
  await other.getByRole("heading", { name: "Pocket" }).waitFor();
}

type Shown = { title: string; body: string; tag: string; actions: string[] };

async function notifications(sw: Worker, tag: string): Promise<Shown[]> {
  return (await sw.evaluate(`self.registration.getNotifications({ tag: ${JSON.stringify(tag)} }).then((ns) =>
    ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.action) })))`)) as Shown[];
}

/**
 * What a tap on the notification (or one of its actions) does. No protocol clicks a notification,
 * so the worker gets the event the browser would dispatch, with the notification it shows.
 */
async function click(sw: Worker, tag: string, action: string, taps = 1): Promise<void> {
  await sw.evaluate(`self.registration.getNotifications({ tag: ${JSON.stringify(tag)} }).then(([n]) => {
    if (!n) throw new Error("no notification to click");
    for (let i = 0; i < ${taps}; i++)
      self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n, action: ${JSON.stringify(action)} }));
  })`);
}

function payload(
  room: string,
  requestId: string,
  cls: PushPayload["class"],
  show: Record<string, unknown>,
): PushPayload {
  return { v: 1, room, seq: 1, class: cls, at: Date.now(), show: { ...show, requestId } };
}
