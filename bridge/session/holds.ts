import type { LimitStatus, UsageLimit } from "../../shared/protocol/index.ts";
import type { Hold } from "./session-types.ts";

/**
 * Which failed turns are held instead of spent, and the usage windows the CLI reports. Pure.
 * Measured with CLI 2.1.330 (docs/protocol.md §9.11): a turn the API refused ends with an
 * `assistant` frame the CLI made itself, whose `error` names why, then a `result` with
 * `is_error`. A subscription's usage limit comes with a `rate_limit_event` (status `rejected`,
 * `resetsAt` in epoch seconds) just before.
 */

/** The CLI's reply that a turn ended on: its `error` and its text. */
export type Trouble = { error: string; text: string };

/** When a rate-limited turn says no reset time (an API key's 429 after the CLI's own retries). */
export const LIMIT_FALLBACK_MS = 5 * 60_000;

const ACCOUNT_ERRORS = new Set([
  "oauth_org_not_allowed",
  "account_on_hold",
  "verification_required",
  "billing_error",
  "cloud_credential_error",
]);
const UNREACHABLE = /connection|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|fetch failed|network/i;

/** Why the turn's input should wait instead of ending; null for a failure that does not pass by itself. */
export function holdOf(trouble: Trouble | null, resetsAt: number | null, now: number): Hold | null {
  if (!trouble) return null;
  const { error, text } = trouble;
  if (error === "rate_limit")
    return { t: "limit", resetsAt: resetsAt !== null && resetsAt > now ? resetsAt : now + LIMIT_FALLBACK_MS };
  if (error === "authentication_failed")
    return {
      t: "account",
      code: /not logged in|\/login/i.test(text) ? "not_signed_in" : "invalid_key",
      text,
    };
  if (ACCOUNT_ERRORS.has(error)) return { t: "account", code: "account_problem", text };
  if ((error === "server_error" || error === "unknown") && UNREACHABLE.test(text))
    return { t: "account", code: "unreachable", text };
  return null;
}

/**
 * What a retry the CLI is making says about the account (its `api_retry` message, sent within a
 * second or two while it goes on retrying for minutes): a refused key, an account problem, or an
 * API it cannot reach. Null for a retry that says nothing about the account (overload, 5xx, 429).
 */
export function retryProblem(
  error: string,
  status: number | null,
): { code: "invalid_key" | "account_problem" | "unreachable"; text: string } | null {
  // What the CLI said, in its own terms (problemOf quotes it after the problem in words).
  const text = `${error.slice(0, 64)}${status === null ? "" : ` (HTTP ${status})`}, and it keeps retrying`;
  if (error === "authentication_failed") return { code: "invalid_key", text };
  if (ACCOUNT_ERRORS.has(error)) return { code: "account_problem", text };
  if (error === "unknown" && status === null)
    return { code: "unreachable", text: "no answer from the API, and it keeps retrying" };
  return null;
}

/** The rate_limit_event's info as the SDK types it, plus the per-window detail the CLI adds. */
export type LimitInfo = {
  status?: string;
  resetsAt?: number;
  rateLimitType?: string;
  utilization?: number;
  unifiedWindows?: unknown;
};

/** The reset (epoch ms) of a window that refuses turns now, if the event names one. */
export function rejectedReset(info: LimitInfo): number | null {
  if (info.status === "rejected" && typeof info.resetsAt === "number") return info.resetsAt * 1000;
  const rejected = windowsOf(info).filter((w) => w.status === "rejected" && w.resetsAt !== undefined);
  const latest = Math.max(...rejected.map((w) => w.resetsAt ?? 0));
  return rejected.length > 0 ? latest : null;
}

/** The windows after this event: those it names replace the earlier ones of the same kind. */
export function mergeLimits(before: readonly UsageLimit[], info: LimitInfo): UsageLimit[] {
  const named = windowsOf(info);
  const kinds = new Set(named.map((w) => w.kind));
  return [...before.filter((w) => !kinds.has(w.kind)), ...named].slice(-16);
}

function windowsOf(info: LimitInfo): UsageLimit[] {
  const windows = info.unifiedWindows;
  if (windows && typeof windows === "object" && !Array.isArray(windows)) {
    const listed = Object.entries(windows).flatMap(([kind, w]) => limitOf(kind, w));
    if (listed.length > 0) return listed;
  }
  return info.rateLimitType ? limitOf(info.rateLimitType, info) : [];
}

function limitOf(kind: string, w: unknown): UsageLimit[] {
  if (!w || typeof w !== "object" || kind.length === 0 || kind.length > 64) return [];
  const { status, resetsAt, utilization } = w as Record<string, unknown>;
  if (!isStatus(status)) return [];
  const limit: UsageLimit = { kind, status };
  if (typeof resetsAt === "number" && Number.isFinite(resetsAt)) limit.resetsAt = resetsAt * 1000;
  if (typeof utilization === "number" && utilization >= 0 && utilization <= 100)
    limit.utilization = utilization;
  return [limit];
}

function isStatus(s: unknown): s is LimitStatus {
  return s === "allowed" || s === "allowed_warning" || s === "rejected";
}
