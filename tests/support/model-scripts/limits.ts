import type { ServerResponse } from "node:http";
import { turnOf } from "./turn.ts";
import type { ContentPart, Directive, MessagesRequest } from "./types.ts";

/**
 *   [[recall]]   → "Recalled: <each of the user's own texts in the request, joined by " | ">": shows
 *                  what Claude was given, e.g. after a held input continued ("…[[recall]] | continue").
 *
 * And HTTP answers a test installs with ScriptedModel.respond (they need status and headers):
 *   UsageLimit   → the API's answer for a subscription whose 5-hour window is used up (429 with the
 *                  anthropic-ratelimit-unified-* headers, reset a set time after the first refusal),
 *                  then, from the reset on, the script's answers with the windows allowed again.
 *   badKey       → 401 authentication_error, as for an invalid API key.
 *   noAnswer     → the connection closes without an answer, as when the API cannot be reached.
 * The CLI shows a subscription's limit only to a subscriber: give it CLAUDE_CODE_OAUTH_TOKEN (any
 * value; the scripted model does not check it) instead of ANTHROPIC_API_KEY.
 */
export const limits: Record<string, Directive> = {
  recall: ({ body }) => ({
    blocks: [{ type: "text", text: `Recalled: ${userWords(body).join(" | ")}` }],
    stop: "end_turn",
  }),
};

function userWords(body: MessagesRequest): string[] {
  const { parts } = turnOf(body);
  // Each text part of the prompt; the CLI joins two user messages into one message of parts.
  return parts
    .filter((p: ContentPart) => p.type === "text" && p.text && !p.text.startsWith("<system-reminder>"))
    .map((p) => (p.text ?? "").trim())
    .filter((t) => t.length > 0);
}

type Request = { body: MessagesRequest; at: number };

/** A subscription's usage limit that resets `ms` after the first request it refused. */
export class UsageLimit {
  /** Epoch ms of the reset, once a request was refused. */
  resetAt: number | null = null;
  refused = 0;
  readonly #ms: number;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** For ScriptedModel.respond. */
  readonly respond = (req: Request, res: ServerResponse): boolean => {
    if (req.body.stream !== true) return false;
    this.resetAt ??= Math.ceil((Date.now() + this.#ms) / 1000) * 1000;
    const reset = String(this.resetAt / 1000);
    const week = String(this.resetAt / 1000 + 5 * 86_400);
    if (Date.now() >= this.resetAt) {
      // Allowed again; the week's window reports a warning, as it does past 75 %.
      for (const [k, v] of Object.entries(unified("allowed", reset, "0.02", week, "0.8", "allowed_warning")))
        res.setHeader(k, v);
      return false;
    }
    this.refused++;
    res.writeHead(429, {
      "content-type": "application/json",
      ...unified("rejected", reset, "1.0", week, "0.4", "allowed"),
      "anthropic-ratelimit-unified-representative-claim": "five_hour",
    });
    const message = "This request would exceed your account's rate limit. Please try again later.";
    res.end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message } }));
    return true;
  };
}

function unified(
  status: string,
  reset: string,
  used: string,
  week: string,
  weekUsed: string,
  weekStatus: string,
) {
  return {
    "anthropic-ratelimit-unified-status": status,
    "anthropic-ratelimit-unified-reset": reset,
    "anthropic-ratelimit-unified-5h-status": status,
    "anthropic-ratelimit-unified-5h-reset": reset,
    "anthropic-ratelimit-unified-5h-utilization": used,
    "anthropic-ratelimit-unified-7d-status": weekStatus,
    "anthropic-ratelimit-unified-7d-reset": week,
    "anthropic-ratelimit-unified-7d-utilization": weekUsed,
  };
}

/** For ScriptedModel.respond: every conversation request is refused as with an invalid API key. */
export function badKey(req: Request, res: ServerResponse): boolean {
  if (req.body.stream !== true) return false;
  res.writeHead(401, { "content-type": "application/json" });
  const error = { type: "authentication_error", message: "invalid x-api-key" };
  res.end(JSON.stringify({ type: "error", error }));
  return true;
}

/** For ScriptedModel.respond: every conversation request's connection closes without an answer. */
export function noAnswer(req: Request, res: ServerResponse): boolean {
  if (req.body.stream !== true) return false;
  res.socket?.destroy();
  return true;
}
