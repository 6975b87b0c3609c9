import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitControlled } from "../support/app-shell.ts";
import { type Phone, until } from "../support/bridge-world.ts";
import { queuedAnswers, serviceWorkerCdp, worker } from "../support/service-worker.ts";
import { pairByLink, startSession, typeAndSend, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 12, the service worker's side of push, as far as the test browser can go: the Chromium
// that npm brings is chrome-headless-shell, which has no notification platform (Notification
// permission is always "denied", showNotification rejects), so what a notification shows and its
// Allow button cannot be exercised here. What can: a push reaches the worker (CDP's
// ServiceWorker.deliverPushMessage) and is parsed; and an answer queued while offline is delivered
// by the worker through the app's own outbox and sync driver (a Background Sync event, as the
// browser fires it when the network returns), exactly once, with the app closed and the network
// cut again while the worker sends.

const web = useWebWorld({ proxy: true });

describe("the service worker and push", () => {
  it("takes a push, and delivers an answer queued offline once, with the app closed and the network flapping", async () => {
    await withDiagnostics("push-sw", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, proxy, phone } = web;
  const { page } = phone;
  const origin = proxy.url;
  await pairByLink(page, w, origin);
  await waitControlled(page);
  // This browser refuses notifications: the switch says so instead of pretending.
  const settings = page.getByRole("region", { name: "Notifications" });
  await settings.getByLabel("Notify me on this phone").click();
  await settings.getByRole("alert").filter({ hasText: "Notifications are blocked for this site" }).waitFor();
  expect(await settings.getByLabel("Notify me on this phone").isChecked()).toBe(false);
  const room = await startSession(page, { title: "Pocket" });
  const log: Phone = await w.phone(room);
  const sw = await worker(page);
  const logged: string[] = [];
  sw.on("console", (m) => logged.push(m.text()));
  // CDP needs a page to speak through; a blank one, so that closing the app leaves no app window.
  const host = await page.context().newPage();
  const cdp = await serviceWorkerCdp(host, origin);

  // A push reaches the worker and is read: a malformed one is named, never thrown.
  await cdp.push("not a push payload");
  await until(
    () => logged.find((l) => l.includes("a push could not be read: not JSON")) ?? null,
    WAIT,
    "the worker's notice",
  );

  // What a notification says is sealed end to end (§12.8): the worker opens it with the room key
  // this phone keeps in IndexedDB. Sealed here with the node-side phone's copy of the same room key.
  const show = { title: "Pocket", body: "e2e-push-7q: Claude finished", tag: room };
  const sealedShow = async (mid: string) => ({
    ...((await log.sealFor("push.show", mid, show)) as object),
    mid,
  });
  await cdp.push({
    v: 1,
    room,
    seq: 1,
    class: "turn",
    at: Date.now(),
    show: await sealedShow("m_e2epush0001"),
  });
  await until(
    () => logged.find((l) => l.includes(`a turn push for ${room} was opened`)) ?? null,
    WAIT,
    "the worker opening a sealed show",
  );
  // A show moved to another message (or altered, or plaintext) does not open: a plain notice instead.
  const moved = { ...(await sealedShow("m_e2epush0001")), mid: "m_e2epush0002" };
  await cdp.push({ v: 1, room, seq: 2, class: "turn", at: Date.now(), show: moved });
  await cdp.push({
    v: 1,
    room,
    seq: 3,
    class: "turn",
    at: Date.now(),
    show: { ...show, mid: "m_e2epush0003" },
  });
  await until(
    () =>
      logged.some((l) => l.includes("could not be opened: bad_tag")) &&
      logged.some((l) => l.includes("could not be opened: not_sealed"))
        ? true
        : null,
    WAIT,
    "the worker refusing a moved and a plaintext show",
  );

  // Offline, the person taps Allow in the app: the answer waits in the outbox. Then the app closes.
  const file = join(w.project, "pocket.txt");
  await typeAndSend(page, `[[write path=${file} content=from_the_pocket]]`);
  const req = await log.wait("permission.request");
  const sheet = page.getByRole("dialog", { name: "Allow Write?" });
  await sheet.waitFor();
  proxy.cut();
  await sheet.getByRole("button", { name: "Allow", exact: true }).click();
  await until(
    async () => ((await queuedAnswers(sw)) === 1 ? true : null),
    WAIT,
    "the answer queued in IndexedDB",
  );
  await page.close();

  // The network is back: the browser fires Background Sync and the worker sends the outbox. The
  // link drops once more while it sends; the worker's driver dials again and the answer goes once.
  proxy.restore();
  const synced = cdp.sync();
  proxy.cut();
  setTimeout(() => proxy.restore(), 2_000);
  await synced;
  const resolved = await log.wait("permission.resolved", (r) => r.requestId === req.requestId, 60_000);
  expect(resolved.decision).toBe("allow");
  const answers = log.bodies("permission.response").filter((r) => r.requestId === req.requestId);
  expect(answers).toEqual([{ requestId: req.requestId, decision: "allow" }]);
  await until(async () => ((await queuedAnswers(sw)) === 0 ? true : null), WAIT, "the outbox drained");
  await log.wait("turn.result", () => true, 60_000);
}
