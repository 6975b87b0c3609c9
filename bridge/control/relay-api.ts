import type { z } from "zod";
import {
  CreatePairingRes,
  type CreateShareReq,
  CreateShareRes,
  HttpError,
  MeRes,
  type PairReq,
  PairRes,
  PushStatsRes,
  RevokeTokenRes,
  TokenList,
} from "../../shared/protocol/index.ts";
import { BodyError, boundedText, jsonOf } from "../http-body.ts";

/** The relay's answer, or why there is none: `unreachable` and `not_a_relay` come from here, not the relay. */
export type RelayApiResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string };

export type Bearer = { relayUrl: string; token: string };

/** The API's answers are small JSON documents; a slower or larger one is not the relay's. */
const BODY = { ms: 15_000, maxBytes: 1 << 20 };

/** The bridge token's calls of docs/protocol.md §3.2. */
export const relayApi = {
  createPairing: (b: Bearer, label?: string) =>
    call(b, "POST", "/api/pairings", CreatePairingRes, label ? { label } : {}),
  listTokens: (b: Bearer) => call(b, "GET", "/api/tokens", TokenList),
  revokeToken: (b: Bearer, id: string) =>
    call(b, "DELETE", `/api/tokens/${encodeURIComponent(id)}`, RevokeTokenRes),
  createShare: (b: Bearer, req: CreateShareReq) => call(b, "POST", "/api/shares", CreateShareRes, req),
  me: (b: Bearer) => call(b, "GET", "/api/me", MeRes),
  /** This machine's push totals (§11.2). */
  pushStats: (b: Bearer) => call(b, "GET", "/api/push/stats", PushStatsRes),
  /** A pairing link's code redeemed for a device token, as a phone does (no bearer: `token` ""). */
  pair: (relayUrl: string, req: PairReq) => call({ relayUrl, token: "" }, "POST", "/api/pair", PairRes, req),
};

async function call<T>(
  b: Bearer,
  method: string,
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
): Promise<RelayApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(`${b.relayUrl}${path}`, {
      method,
      headers: {
        ...(b.token === "" ? {} : { authorization: `Bearer ${b.token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    return {
      ok: false,
      status: 0,
      code: "unreachable",
      message: `cannot reach the relay at ${b.relayUrl} (${why})`,
    };
  }
  let text: string;
  try {
    text = await boundedText(res, BODY);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    return { ok: false, status: res.status, code: "unreachable", message: `${b.relayUrl}: ${err.message}` };
  }
  const json = jsonOf(text);
  if (res.ok) {
    const parsed = schema.safeParse(res.status === 204 ? null : json);
    if (parsed.success) return { ok: true, value: parsed.data };
  } else {
    const error = HttpError.safeParse(json);
    if (error.success) return { ok: false, status: res.status, ...error.data.error };
  }
  return {
    ok: false,
    status: res.status,
    code: "not_a_relay",
    message: `${b.relayUrl} does not look like a Tether relay (${method} ${path} answered ${res.status} ${text.slice(0, 120)})`,
  };
}

/** One sentence for the terminal, with what to do next where there is something to do. */
export function explain(f: Extract<RelayApiResult<unknown>, { ok: false }>, relayUrl: string): string {
  if (f.code === "unreachable") {
    const local = /^https?:\/\/(127\.|localhost|\[::1\]|10\.|192\.168\.|172\.)/.test(relayUrl);
    return local
      ? `${f.message}: is \`tether up\` running?`
      : `${f.message}: check the relay URL (tether init --relay …)`;
  }
  if (f.code === "unauthorized")
    return "the relay refused the bridge token (unknown, expired or revoked): run `tether init --force` to register this machine again";
  if (f.code === "rate_limited") return "the relay is rate limiting this address: wait a minute and retry";
  return f.code === "not_a_relay" ? f.message : `the relay answered ${f.status} ${f.code}: ${f.message}`;
}
