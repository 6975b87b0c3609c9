import { Limits, type PushClass, type TurnPushes } from "../../protocol/index.ts";

/**
 * Who hears of a push and how the push service should treat it (docs/protocol.md §11.3). Pure, so
 * the Room's sender and the tests decide the same way.
 */

export type PushKind = PushClass | "offline";

/** A device's settings, as its subscription keeps them. */
export type Listener = { turns: TurnPushes; longTurnSeconds: number; muted: readonly string[] };

export type Notice = { class: PushKind; turnMs?: number };

/** A muted session says nothing; `resolved` always goes (it closes a notification already shown). */
export function wants(listener: Listener, room: string, n: Notice): boolean {
  if (n.class === "resolved") return true;
  if (listener.muted.includes(room)) return false;
  if (n.class !== "turn") return true;
  if (listener.turns === "never") return false;
  if (listener.turns === "all") return true;
  return (n.turnMs ?? 0) >= listener.longTurnSeconds * 1000;
}

/** A socket that said `focus` and was seen recently: someone is looking at the session now. */
export type Watcher = { focused: boolean; lastSeen: number; role: string };

/** Nobody needs a notification for what a focused, visible page of the session shows already. */
export function watched(watchers: Iterable<Watcher>, now: number): boolean {
  for (const w of watchers) {
    if (w.role === "bridge" || !w.focused) continue;
    if (now - w.lastSeen <= Limits.pushFocusFreshMs) return true;
  }
  return false;
}

export function silencedByWatcher(n: Notice): boolean {
  return n.class !== "resolved";
}

/**
 * TTL: a waiting prompt is worth delivering for a day; that a turn ended or the bridge left, for
 * an hour. Urgency `high` wakes a phone in power saving for what blocks Claude.
 */
export function delivery(n: Notice): { ttlSeconds: number; urgency: "high" | "normal" | "low" } {
  switch (n.class) {
    case "prompt":
      return { ttlSeconds: 24 * 3600, urgency: "high" };
    case "error":
      return { ttlSeconds: 24 * 3600, urgency: "normal" };
    case "resolved":
      return { ttlSeconds: 3600, urgency: "low" };
    default:
      return { ttlSeconds: 3600, urgency: "normal" };
  }
}

const BACKOFF_MS = [2_000, 10_000, 60_000, 300_000];

/** When attempt `n` (1-based, just failed) is tried again; null when it was the last. */
export function retryAt(attempt: number, now: number, retryAfterMs: number | null): number | null {
  if (attempt >= Limits.pushAttempts) return null;
  const base = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!;
  return now + Math.max(base, Math.min(retryAfterMs ?? 0, 3_600_000));
}

/** How a push service's status is taken (RFC 8030 §5, §8): kept, gone for good, or worth another try. */
export function verdictOf(status: number): "sent" | "gone" | "retry" | "refused" {
  if (status >= 200 && status < 300) return "sent";
  if (status === 404 || status === 410) return "gone";
  if (status === 429 || status >= 500) return "retry";
  return "refused";
}
