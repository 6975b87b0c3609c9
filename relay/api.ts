import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import {
  Close,
  CreatePairingReq,
  CreateShareReq,
  CreateTokenReq,
  type HttpErrorCode,
  PairReq,
  PushSubscribeReq,
  RoomId,
} from "../shared/protocol/index.ts";
import type { Failure, Outcome } from "./access.ts";
import type { Caller, RevokedToken } from "./directory.ts";
import { sameSecret } from "./tokens.ts";

/** The HTTP API of docs/protocol.md §3, mounted at /api. Decisions live in the Directory; this is the HTTP skin. */
type Ctx = Context<{ Bindings: Env }>;

export const api = new Hono<{ Bindings: Env }>();

/** `/api/pair` takes no bearer, so it is limited per client address (docs/protocol.md §3.4). */
const limitPerAddress: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const verdict = await directory(c).rateLimit(`${c.req.path} ${clientAddress(c)}`, Date.now());
  if (!verdict.ok) {
    c.header("Retry-After", String(verdict.retryAfterSeconds));
    return c.json(errorBody("rate_limited", "too many requests, retry later"), 429);
  }
  await next();
};
api.use("/pair", limitPerAddress);

api.post("/tokens", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const body = await readBody(c, CreateTokenReq);
  if (!body.ok) return fail(c, body);
  return reply(c, 201, await directory(c).createToken(caller, body.value, Date.now()));
});

api.get("/tokens", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  return reply(c, 200, await directory(c).listTokens(caller, Date.now()));
});

api.delete("/tokens/:id", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const revoked = await directory(c).revokeToken(caller, c.req.param("id"), Date.now());
  if (!revoked.ok) return fail(c, revoked);
  const { id, shares } = revoked.value;
  await Promise.all([revoked.value, ...shares].map((token) => closeSockets(c.env, token)));
  return c.json({ id, shares: shares.map((s) => s.id) }, 200);
});

api.post("/pairings", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const body = await readBody(c, CreatePairingReq);
  if (!body.ok) return fail(c, body);
  const pairing = await directory(c).createPairing(caller, body.value.label ?? null, Date.now());
  if (!pairing.ok) return fail(c, pairing);
  const { code, expiresAt } = pairing.value;
  return c.json({ code, url: `${publicOrigin(c)}/pair#c=${code}`, expiresAt }, 201);
});

api.post("/pair", async (c) => {
  const body = await readBody(c, PairReq);
  if (!body.ok) return fail(c, body);
  const { code, label } = body.value;
  return reply(c, 201, await directory(c).pair(code, label ?? null, Date.now()));
});

api.get("/me", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  return reply(c, 200, await directory(c).me(caller, Date.now()));
});

api.post("/shares", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const body = await readBody(c, CreateShareReq);
  if (!body.ok) return fail(c, body);
  const share = await directory(c).createShare(caller, body.value, Date.now());
  if (!share.ok) return fail(c, share);
  const { id, token, expiresAt } = share.value;
  return c.json({ id, token, url: `${publicOrigin(c)}/s/${body.value.room}#t=${token}`, expiresAt }, 201);
});

api.delete("/rooms/:room", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const room = c.req.param("room");
  if (!RoomId.safeParse(room).success) return c.json(errorBody("bad_request", "bad room id"), 400);
  const deleted = await directory(c).deleteRoom(caller, room, Date.now());
  if (!deleted.ok) return fail(c, deleted);
  await c.env.ROOM.getByName(room).destroy();
  return c.body(null, 204);
});

api.get("/push", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  return reply(c, 200, await directory(c).pushState(caller, Date.now()));
});

api.get("/push/stats", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  return reply(c, 200, await directory(c).pushStats(caller, Date.now()));
});

api.put("/push", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const body = await readBody(c, PushSubscribeReq);
  if (!body.ok) return fail(c, body);
  const endpoint = pushEndpointProblem(c, body.value.endpoint);
  if (endpoint !== null) return c.json(errorBody("bad_request", endpoint), 400);
  return reply(c, 200, await directory(c).subscribePush(caller, body.value, Date.now()));
});

api.delete("/push", async (c) => {
  const caller = await callerOf(c);
  if (caller === null) return unauthorized(c);
  const gone = await directory(c).unsubscribePush(caller, Date.now());
  return gone.ok ? c.body(null, 204) : fail(c, gone);
});

api.all("*", (c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

const STATUS = {
  bad_request: 400,
  bad_code: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  misdirected: 421,
  internal: 500,
} as const satisfies Record<HttpErrorCode, ContentfulStatusCode>;

function directory(c: Ctx) {
  return c.env.DIRECTORY.getByName("directory");
}

/** The bearer of `Authorization`; null when absent. The relay secret is compared in constant time. */
async function callerOf(c: Ctx): Promise<Caller | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
  const value = match?.[1];
  if (value === undefined) return null;
  const secret = c.env.TETHER_RELAY_SECRET;
  if (secret !== undefined && secret !== "" && (await sameSecret(value, secret))) return { kind: "secret" };
  return { kind: "token", value };
}

/** Parses a JSON body with `schema`; an empty body counts as `{}` so optional-only bodies may be omitted. */
async function readBody<T>(c: Ctx, schema: z.ZodType<T>): Promise<Outcome<T>> {
  const text = await c.req.text();
  let json: unknown = {};
  try {
    if (text.trim() !== "") json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, code: "bad_request", message: `malformed JSON: ${reason}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, code: "bad_request", message: z.prettifyError(parsed.error) };
}

/** Closes a revoked token's sockets everywhere before answering, so revocation takes effect at once. */
async function closeSockets(env: Env, revoked: RevokedToken): Promise<void> {
  const results = await Promise.allSettled(
    revoked.rooms.map((room) =>
      env.ROOM.getByName(room).closeToken(revoked.id, Close.unauthorized, "revoked"),
    ),
  );
  const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (reasons.length > 0) throw new AggregateError(reasons, `closing sockets of ${revoked.id} failed`);
}

/**
 * Push services are HTTPS. Plain HTTP only to loopback, and only where the operator allowed it
 * (`TETHER_PUSH_ALLOW_HTTP=1`, for a push service stand-in): otherwise a device token could make
 * the relay post to services on its own host.
 */
function pushEndpointProblem(c: Ctx, endpoint: string): string | null {
  const url = new URL(endpoint);
  if (url.protocol === "https:") return null;
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && loopback && c.env.TETHER_PUSH_ALLOW_HTTP === "1") return null;
  return "a push endpoint must be an https URL";
}

function publicOrigin(c: Ctx): string {
  const configured = c.env.TETHER_PUBLIC_URL;
  if (configured !== undefined && configured !== "") return configured.replace(/\/+$/, "");
  return new URL(c.req.url).origin;
}

function reply<T>(c: Ctx, status: 200 | 201, outcome: Outcome<T>): Response {
  return outcome.ok ? c.json(outcome.value, status) : fail(c, outcome);
}

/**
 * Cloudflare sets `CF-Connecting-IP` itself; the embedded relay has no such proxy in front, so
 * there the header is whatever the client wrote and every client shares one key.
 */
function clientAddress(c: Ctx): string {
  if (c.env.TETHER_EMBEDDED === "1") return "embedded";
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

function fail(c: Ctx, failure: Failure): Response {
  if (failure.retryAfterSeconds !== undefined) c.header("Retry-After", String(failure.retryAfterSeconds));
  return c.json(errorBody(failure.code, failure.message), STATUS[failure.code]);
}

function unauthorized(c: Ctx): Response {
  return c.json(errorBody("unauthorized", "missing bearer"), 401);
}

function errorBody(code: HttpErrorCode, message: string) {
  return { error: { code, message } };
}
