import type { z } from "zod";
import { z as zod } from "zod";
import { CreateShareRes, HttpError, MeRes, PairRes } from "../../../shared/protocol/http.ts";
import { PushStateRes, type PushSubscribeReq } from "../../../shared/protocol/push.ts";

/**
 * The relay's HTTP API (docs/protocol.md §3). Expected failures are values, not throws. `relay`:
 * the origin of a machine's relay when it is not this page's (a peer relay, §3.6); null or absent:
 * this page's own.
 */
export type Relay = string | null | undefined;
export type ApiResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; code: string; message: string };

export function pair(code: string, label: string, relay?: Relay): Promise<ApiResult<PairRes>> {
  return call("POST", "/api/pair", PairRes, { body: { code, label }, relay });
}

export function me(token: string, relay?: Relay): Promise<ApiResult<MeRes>> {
  return call("GET", "/api/me", MeRes, { token, relay });
}

export function createShare(
  token: string,
  room: string,
  role: "viewer" | "controller",
  relay?: Relay,
): Promise<ApiResult<CreateShareRes>> {
  return call("POST", "/api/shares", CreateShareRes, { token, body: { room, role }, relay });
}

/** This device token's push subscription and the relay's VAPID key (docs/protocol.md §11.2). */
export function pushState(token: string, relay?: Relay): Promise<ApiResult<PushStateRes>> {
  return call("GET", "/api/push", PushStateRes, { token, relay });
}

export function putPush(
  token: string,
  body: PushSubscribeReq,
  relay?: Relay,
): Promise<ApiResult<PushStateRes>> {
  return call("PUT", "/api/push", PushStateRes, { token, body, relay });
}

export function deletePush(token: string, relay?: Relay): Promise<ApiResult<null>> {
  return call("DELETE", "/api/push", zod.null(), { token, relay });
}

async function call<S extends z.ZodType>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  schema: S,
  o: { token?: string; body?: unknown; relay?: Relay },
): Promise<ApiResult<z.infer<S>>> {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${o.relay ?? ""}${path}`, {
      method,
      headers,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      cache: "no-store",
    });
  } catch (err) {
    return {
      ok: false,
      status: 0,
      code: "network",
      message: `The relay could not be reached (${String(err)}).`,
    };
  }
  // 204 has no body: it parses as null.
  const json: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.ok) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, data: parsed.data };
    return {
      ok: false,
      status: res.status,
      code: "bad_response",
      message: "The relay answered in an unexpected shape.",
    };
  }
  const error = HttpError.safeParse(json);
  if (error.success) return { ok: false, status: res.status, ...error.data.error };
  return { ok: false, status: res.status, code: "http", message: `The relay answered ${res.status}.` };
}
