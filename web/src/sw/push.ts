import { z } from "zod";
import { PushPayload, PushShow } from "../../../shared/protocol/push.ts";
import { openStored } from "../e2e/stored-seal.ts";
import { answerPrompt, flushQueued, OUTBOX_SYNC } from "./answer.ts";

/**
 * Web Push in the service worker (docs/protocol.md §11.5): a push becomes the session's one
 * notification (tagged by room, replaced as the session moves on); a tap opens the session; Allow
 * and Deny answer a plain permission prompt through the app's outbox. What a notification says is
 * sealed end to end (§12.8); a push that does not parse or open is shown as a plain "Tether"
 * notification that says nothing the relay could have written, and is never thrown.
 */

/** What a notification carries for its click. */
const NoteData = z.object({ room: z.string(), requestId: z.string().optional() });
type NoteData = z.infer<typeof NoteData>;

type SyncEvent = ExtendableEvent & { tag: string };

export function installPush(sw: ServiceWorkerGlobalScope): void {
  sw.addEventListener("push", (e) => e.waitUntil(onPush(sw, e.data)));
  sw.addEventListener("notificationclick", (e) => keepAlive(e, onClick(sw, e.notification, e.action)));
  sw.addEventListener("sync", (e) => {
    const ev = e as SyncEvent;
    if (ev.tag === OUTBOX_SYNC) ev.waitUntil(flushQueued());
  });
}

/**
 * Keeps the worker alive until `work` ends. Only an event the browser dispatched can do that: the
 * browser tests dispatch the click themselves (no protocol clicks a notification), and for such an
 * event the work runs all the same while the test holds the worker.
 */
function keepAlive(e: ExtendableEvent, work: Promise<void>): void {
  if (e.isTrusted) e.waitUntil(work);
  else work.catch((err: unknown) => console.error("tether: a notification click failed", err));
}

async function onPush(sw: ServiceWorkerGlobalScope, data: PushMessageData | null): Promise<void> {
  const push = await parse(data);
  const reg = sw.registration;
  if (!push.ok) {
    console.warn("tether: a push could not be read:", push.why);
    if (push.room)
      return reg.showNotification("Tether", { body: NOT_OPENED, tag: push.room, data: { room: push.room } });
    return reg.showNotification("Tether", { body: "Something needs you in Tether.", tag: "tether" });
  }
  const { payload, show } = push;
  console.info(`tether: a ${payload.class} push for ${payload.room} was opened`);
  const note: NoteData = { room: payload.room, ...(show.requestId ? { requestId: show.requestId } : {}) };
  if (show.closes) {
    // The prompt was answered, here or on another device: its notification says so, quietly. A
    // newer notification of the session (another prompt) stays as it is.
    const open = await reg.getNotifications({ tag: show.tag });
    const stale =
      open.length === 0 || open.some((n) => NoteData.safeParse(n.data).data?.requestId === show.requestId);
    if (!stale) return;
    return reg.showNotification(show.title, {
      body: show.body,
      tag: show.tag,
      silent: true,
      data: { room: payload.room },
    });
  }
  const actions = show.requestId
    ? [
        { action: "allow", title: "Allow" },
        { action: "deny", title: "Deny" },
      ]
    : [];
  return reg.showNotification(show.title, {
    body: show.body,
    tag: show.tag,
    icon: "/icon-192.png",
    data: note,
    requireInteraction: payload.class === "prompt",
    // The same tag again must still reach the person: a new prompt, not a silent swap.
    ...({ renotify: true, actions, timestamp: payload.at } as NotificationOptions),
  });
}

async function onClick(sw: ServiceWorkerGlobalScope, n: Notification, action: string): Promise<void> {
  const data = NoteData.safeParse(n.data);
  n.close();
  if (!data.success) return openApp(sw, "/");
  const { room, requestId } = data.data;
  if ((action === "allow" || action === "deny") && requestId) {
    const answered = await answerPrompt(room, requestId, action);
    if (answered === "queued") await registerSync(sw);
    if (answered === "sent" || answered === "queued") return;
    // No key for the room on this device, or the relay refused: the app shows why.
  }
  return openApp(sw, `/s/${room}`);
}

/** Focuses a window already showing `path`, or another of the app's windows sent there, or a new one. */
async function openApp(sw: ServiceWorkerGlobalScope, path: string): Promise<void> {
  const url = new URL(path, sw.location.origin).href;
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((w) => new URL(w.url).pathname === path);
  const moved = same ?? (await windows[0]?.navigate(url).catch(() => null)) ?? null;
  if (!moved) {
    await sw.clients.openWindow(url);
    return;
  }
  // Only a tap the browser saw may bring a window forward; the session is shown there either way.
  await moved.focus().catch((err: unknown) => console.warn("tether: could not focus the app", err));
}

async function registerSync(sw: ServiceWorkerGlobalScope): Promise<void> {
  const reg = sw.registration as ServiceWorkerRegistration & {
    sync?: { register(tag: string): Promise<void> };
  };
  // Background Sync where the browser has it; elsewhere the next open of the app sends the outbox.
  await reg.sync
    ?.register(OUTBOX_SYNC)
    .catch((err: unknown) => console.warn("tether: no background sync", err));
}

type Parsed = { ok: true; payload: PushPayload; show: PushShow } | { ok: false; why: string; room?: string };

/** What a push that does not open shows: nothing the relay or the push service could have written. */
const NOT_OPENED = "New activity — open Tether";

/** The mid a sealed show is bound to (§12.8): the payload's, or else the one the show names beside its seal. */
const MidOf = z.object({ mid: z.string().min(1).max(100).optional() });

/**
 * The payload, and its `show` opened with this device's key of the room (docs/protocol.md §12.8):
 * the context is the message's (`push.show` and its mid), or a will's (`push.will`, no mid).
 */
async function parse(data: PushMessageData | null): Promise<Parsed> {
  const payload = readPayload(data);
  if (!payload.ok) return payload;
  const { room } = payload.payload;
  const will = payload.payload.class === "offline";
  const mid = will
    ? null
    : (MidOf.safeParse(payload.json).data?.mid ?? MidOf.safeParse(payload.payload.show).data?.mid);
  if (mid === undefined) return { ok: false, why: "no mid to open its show with", room };
  const ctx = { room, kind: will ? "push.will" : "push.show", mid };
  const opened = await openStored(ctx, payload.payload.show).catch((err: unknown) => {
    console.error("tether: opening a push failed", err);
    return { ok: false as const, reason: "unknown_key" as const };
  });
  if (!opened.ok) return { ok: false, why: `its show could not be opened: ${opened.reason}`, room };
  const show = PushShow.safeParse(opened.body);
  if (!show.success) return { ok: false, why: `show: ${show.error.issues[0]?.message ?? "bad shape"}`, room };
  return { ok: true, payload: payload.payload, show: show.data };
}

type Read = { ok: true; payload: PushPayload; json: unknown } | { ok: false; why: string };

function readPayload(data: PushMessageData | null): Read {
  if (!data) return { ok: false, why: "no payload" };
  let json: unknown;
  try {
    json = data.json();
  } catch {
    return { ok: false, why: "not JSON" };
  }
  const payload = PushPayload.safeParse(json);
  if (!payload.success)
    return { ok: false, why: `payload: ${payload.error.issues[0]?.message ?? "bad shape"}` };
  return { ok: true, payload: payload.data, json };
}
