import type { CDPSession, Page, Worker } from "playwright-core";
import type { PushPayload } from "../../shared/protocol/index.ts";
import { WAIT } from "./web-app.ts";

/**
 * The app's service worker as the push tests reach it: the worker itself, its IndexedDB outbox, and
 * CDP's push and Background Sync delivery (what a push service and the browser would hand it).
 */

/** The app's service worker as playwright sees it (it runs in the page's context). */
export async function worker(page: Page): Promise<Worker> {
  const ctx = page.context();
  return ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent("serviceworker", { timeout: WAIT }));
}

/** Rows in the app's IndexedDB outbox that answer a prompt. */
export async function queuedAnswers(sw: Worker): Promise<number> {
  return (await sw.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open("tether");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction("outbox").objectStore("outbox").getAll();
      all.onsuccess = () => { resolve(all.result.filter((r) => r.kind === "permission.response").length); open.result.close(); };
      all.onerror = () => reject(all.error);
    };
  })`)) as number;
}

/**
 * CDP's push and Background Sync delivery to the origin's service worker registration (`scope`:
 * the one at that path, e.g. a peer relay's `/peer/…/`; default the first the origin has).
 */
export async function serviceWorkerCdp(page: Page, origin: string, scope?: string) {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on(
      "ServiceWorker.workerRegistrationUpdated",
      (e: { registrations: { registrationId: string; scopeURL: string }[] }) => {
        const r = e.registrations.find((x) =>
          scope === undefined ? x.scopeURL.startsWith(origin) : x.scopeURL === `${origin}${scope}`,
        );
        if (r) resolve(r.registrationId);
      },
    );
  });
  await cdp.send("ServiceWorker.enable");
  const registrationId = await registered;
  const at = { origin: `${origin}/`, registrationId };
  return {
    push: async (data: PushPayload | string) => {
      await cdp.send("ServiceWorker.deliverPushMessage", {
        ...at,
        data: typeof data === "string" ? data : JSON.stringify(data),
      });
    },
    sync: async () => {
      await cdp.send("ServiceWorker.dispatchSyncEvent", { ...at, tag: "tether-outbox", lastChance: false });
    },
  };
}
