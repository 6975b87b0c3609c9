import type { PushStateRes, PushSubscribeReq, PushSubscriptionInfo } from "../../../shared/protocol/push.ts";
import { fromBase64url, toBase64url } from "../../../shared/webpush/base64url.ts";
import { type ApiResult, deletePush, pushState, putPush } from "../lib/api.ts";

/**
 * This browser's Web Push subscription, registered with the relay once per paired machine (one
 * device token each, docs/protocol.md §11.2). The browser holds one PushSubscription for the
 * app; each machine's token registers it with its own settings.
 */

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

export async function readPush(token: string): Promise<Outcome> {
  return outcome(await pushState(token));
}

/** Asks the person (from a tap), subscribes the browser with the relay's key, and registers it. */
export async function enablePush(token: string, settings: Settings): Promise<Outcome> {
  const why = pushUnavailable();
  if (why) return { ok: false, message: why };
  const permission = await Notification.requestPermission();
  if (permission !== "granted")
    return {
      ok: false,
      message: "Notifications are blocked for this site; allow them in the browser's settings.",
    };
  const state = await pushState(token);
  if (!state.ok) return outcome(state);
  const sub = await browserSubscription(state.data.publicKey);
  if (!sub.ok) return sub;
  return outcome(await putPush(token, { ...sub.keys, ...settings }));
}

/** New settings (turns, muted sessions) for an existing registration. */
export async function updatePush(
  token: string,
  current: PushSubscriptionInfo,
  change: Partial<Settings>,
): Promise<Outcome> {
  const state = await pushState(token);
  if (!state.ok) return outcome(state);
  const sub = await browserSubscription(state.data.publicKey);
  if (!sub.ok) return sub;
  const { turns, longTurnSeconds, muted } = current;
  return outcome(await putPush(token, { ...sub.keys, turns, longTurnSeconds, muted, ...change }));
}

/** This machine stops pushing here; the browser's subscription stays for the other machines. */
export async function disablePush(token: string): Promise<Outcome> {
  const gone = await deletePush(token);
  if (!gone.ok) return outcome(gone);
  return readPush(token);
}

type Keys = { endpoint: string; keys: { p256dh: string; auth: string } };

/** The browser's subscription for `publicKey`: reused, or made again when the relay's key changed. */
async function browserSubscription(
  publicKey: string,
): Promise<{ ok: true; keys: Keys } | { ok: false; message: string }> {
  const key = fromBase64url(publicKey);
  if (!key) return { ok: false, message: "The relay sent a malformed push key." };
  try {
    const reg = await navigator.serviceWorker.ready;
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

function outcome<T extends PushStateRes | null>(r: ApiResult<T>): Outcome {
  if (!r.ok) return { ok: false, message: r.message };
  if (r.data === null) return { ok: false, message: "unexpected empty answer" };
  return { ok: true, state: r.data };
}
