import type { PushStateRes, PushSubscribeReq, PushSubscriptionInfo } from "../../../shared/protocol/push.ts";
import { fromBase64url, toBase64url } from "../../../shared/webpush/base64url.ts";
import { type ApiResult, deletePush, pushState, putPush } from "../lib/api.ts";
import { peerScope } from "./peer-scope.ts";

/**
 * This browser's Web Push subscriptions, registered with the relay once per paired machine (one
 * device token each, docs/protocol.md §11.2). A subscription is bound to one relay's VAPID key and
 * a service worker registration holds one: the app's (scope "/") serves this app's relay, and a
 * machine on a peer relay (§3.6) gets the same worker registered at a scope of its own.
 */

/** Which relay a registration is for: null for the relay serving this app. */
export type PushTarget = { token: string; relay: string | null };

export type Settings = Pick<PushSubscribeReq, "turns" | "longTurnSeconds" | "muted">;
export type Outcome = { ok: true; state: PushStateRes } | { ok: false; message: string };

/** Why this browser cannot get notifications here, or null when it can. */
export function pushUnavailable(): string | null {
  if (!window.isSecureContext)
    return "Notifications need HTTPS or 127.0.0.1; this plain-HTTP address cannot have them.";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    const ios = /iPhone|iPad/.test(navigator.userAgent);
    return ios
      ? "On iPhone, notifications need Tether on the Home Screen (Share → Add to Home Screen), opened from there."
      : "This browser cannot show notifications from a web app.";
  }
  return null;
}

export async function readPush(t: PushTarget): Promise<Outcome> {
  return outcome(await pushState(t.token, t.relay));
}

/** Asks the person (from a tap), subscribes the browser with the relay's key, and registers it. */
export async function enablePush(t: PushTarget, settings: Settings): Promise<Outcome> {
  const why = pushUnavailable();
  if (why) return { ok: false, message: why };
  const permission = await Notification.requestPermission();
  if (permission !== "granted")
    return {
      ok: false,
      message: "Notifications are blocked for this site; allow them in the browser's settings.",
    };
  const state = await pushState(t.token, t.relay);
  if (!state.ok) return outcome(state);
  const sub = await browserSubscription(state.data.publicKey, t.relay);
  if (!sub.ok) return sub;
  return outcome(await putPush(t.token, { ...sub.keys, ...settings }, t.relay));
}

/** New settings (turns, muted sessions) for an existing registration. */
export async function updatePush(
  t: PushTarget,
  current: PushSubscriptionInfo,
  change: Partial<Settings>,
): Promise<Outcome> {
  const state = await pushState(t.token, t.relay);
  if (!state.ok) return outcome(state);
  const sub = await browserSubscription(state.data.publicKey, t.relay);
  if (!sub.ok) return sub;
  const { turns, longTurnSeconds, muted } = current;
  return outcome(await putPush(t.token, { ...sub.keys, turns, longTurnSeconds, muted, ...change }, t.relay));
}

/** This machine stops pushing here; the browser's subscription stays for the other machines. */
export async function disablePush(t: PushTarget): Promise<Outcome> {
  const gone = await deletePush(t.token, t.relay);
  if (!gone.ok) return outcome(gone);
  return readPush(t);
}

type Keys = { endpoint: string; keys: { p256dh: string; auth: string } };

/** The browser's subscription for `publicKey`: reused, or made again when the relay's key changed. */
async function browserSubscription(
  publicKey: string,
  relay: string | null,
): Promise<{ ok: true; keys: Keys } | { ok: false; message: string }> {
  const key = fromBase64url(publicKey);
  if (!key) return { ok: false, message: "The relay sent a malformed push key." };
  try {
    const reg = relay === null ? await navigator.serviceWorker.ready : await peerRegistration(relay);
    let sub = await reg.pushManager.getSubscription();
    const current = sub?.options.applicationServerKey;
    if (sub && current && toBase64url(new Uint8Array(current)) !== publicKey) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const p256dh = sub.getKey("p256dh");
    const auth = sub.getKey("auth");
    if (!p256dh || !auth) return { ok: false, message: "The browser's subscription has no encryption keys." };
    const keys = { p256dh: toBase64url(new Uint8Array(p256dh)), auth: toBase64url(new Uint8Array(auth)) };
    return { ok: true, keys: { endpoint: sub.endpoint, keys } };
  } catch (err) {
    // e.g. AbortError "push service not available": say it, never throw into the UI.
    return {
      ok: false,
      message: `The browser could not subscribe: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** The app's worker registered at a scope of its own for a peer relay, once it is active. */
async function peerRegistration(relay: string): Promise<ServiceWorkerRegistration> {
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: peerScope(relay) });
  // The app's worker may be newer than this one's: it takes the same script.
  await reg
    .update()
    .catch((err: unknown) => console.info("tether: no update of a peer's worker now", String(err)));
  if (reg.active) return reg;
  await new Promise<void>((resolve) => {
    const worker = reg.installing ?? reg.waiting;
    if (!worker) return resolve();
    worker.addEventListener("statechange", () => {
      if (worker.state === "activated" || worker.state === "redundant") resolve();
    });
  });
  return reg;
}

function outcome<T extends PushStateRes | null>(r: ApiResult<T>): Outcome {
  if (!r.ok) return { ok: false, message: r.message };
  if (r.data === null) return { ok: false, message: "unexpected empty answer" };
  return { ok: true, state: r.data };
}
