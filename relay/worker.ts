import { Hono } from "hono";
import { Close, RoomId } from "../shared/protocol/index.ts";
import { VERSION } from "../shared/version.ts";
import { api } from "./api.ts";
import { AUTH_HEADER } from "./env.ts";
import { hostCheck, securityHeaders, withAssetCaching } from "./http-guard.ts";
import { peerCors, peerRelays } from "./peer-relays.ts";

export { Directory } from "./directory.ts";
export { Room } from "./room.ts";

const SUBPROTOCOL = "tether.v1";
const BEARER = "bearer.";

const app = new Hono<{ Bindings: Env }>();

app.use("*", securityHeaders);
app.use("*", hostCheck);
app.use("/api/*", peerCors);
app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));
app.route("/api", api);
app.get("/v1/rooms/:room", openRoom);
// Every request reaches the Worker first (wrangler.toml), so the web app's files get the same headers
// and host check; a path that is not ours is the web app's. A path of ours that matches no route
// still answers in the API's error shape.
app.notFound(async (c) => {
  if (!/^\/(api|v1)(\/|$)/.test(c.req.path))
    return withAssetCaching(
      c.req.path,
      await c.env.ASSETS.fetch(c.req.raw),
      peerRelays(c.env.TETHER_PEER_RELAYS),
    );
  return c.json(httpError("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
});
app.onError((err, c) => {
  console.error("relay: unhandled error", c.req.method, c.req.path, err);
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
});

export default app;

/** WebSocket entry: check token and room ownership here, before the Room is ever reached. */
async function openRoom(c: import("hono").Context<{ Bindings: Env }>): Promise<Response> {
  const room = c.req.param("room") ?? "";
  if (!RoomId.safeParse(room).success) return c.json(httpError("bad_request", "bad room id"), 400);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.json(httpError("bad_request", "expected a WebSocket upgrade"), 426);
  }
  const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  if (!offered.includes(SUBPROTOCOL)) {
    return c.json(httpError("bad_request", `subprotocol ${SUBPROTOCOL} required`), 400);
  }
  const token = offered.find((p) => p.startsWith(BEARER))?.slice(BEARER.length) ?? "";
  const verdict = await c.env.DIRECTORY.getByName("directory").authorizeRoom(token, room, Date.now());
  if (!verdict.ok) return closedSocket(verdict.close);

  const headers = new Headers(c.req.raw.headers);
  headers.set(AUTH_HEADER, JSON.stringify(verdict.auth));
  headers.set("x-partykit-room", room);
  const upstream = await c.env.ROOM.getByName(room).fetch(new Request(c.req.url, { headers }));
  if (upstream.status !== 101 || !upstream.webSocket) return upstream;
  return new Response(null, {
    status: 101,
    webSocket: upstream.webSocket,
    headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL },
  });
}

/** Auth failures complete the upgrade and close at once, so a browser can read the close code. */
function closedSocket(code: number): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  server.close(code, reasonOf(code));
  return new Response(null, {
    status: 101,
    webSocket: pair[0],
    headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL },
  });
}

function reasonOf(code: number): string {
  if (code === Close.unauthorized) return "unauthorized";
  if (code === Close.forbidden) return "forbidden";
  return "room not found";
}

export function httpError(code: string, message: string) {
  return { error: { code, message } };
}
