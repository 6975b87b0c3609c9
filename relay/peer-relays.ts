import type { MiddlewareHandler } from "hono";

/**
 * One phone, machines on several relays (docs/protocol.md §3.6). The app is served by one relay
 * and talks to the others from that page: its CSP must let it connect there, and their API must
 * let that page's origin call it (CORS). Which relays may do so is the operator's list,
 * TETHER_PEER_RELAYS, never whatever origin asks: the default stays `connect-src 'self'` and no
 * CORS at all.
 */

/** The configured peer origins (http or https, no path), malformed entries left out. */
export function peerRelays(configured: string | undefined): string[] {
  const out: string[] = [];
  for (const entry of (configured ?? "").split(",")) {
    const origin = originOf(entry.trim());
    if (origin && !out.includes(origin)) out.push(origin);
  }
  return out;
}

/** What connect-src gains for the peers: each origin and its WebSocket twin. */
export function connectSources(peers: readonly string[]): string[] {
  return peers.flatMap((o) => [o, o.replace(/^http/, "ws")]);
}

/** `connect-src 'self'` widened to the peers, in a policy string (the header's or the page's meta). */
export function withPeers(policy: string, peers: readonly string[]): string {
  if (peers.length === 0) return policy;
  const extra = connectSources(peers).join(" ");
  return policy.replace(/connect-src 'self'/, `connect-src 'self' ${extra}`);
}

const ALLOW_METHODS = "GET, POST, PUT, DELETE";
const ALLOW_HEADERS = "authorization, content-type";

/**
 * CORS for the API, for a peer's app only. Bearer tokens ride in a header, never cookies, so an
 * allowed origin gains nothing a token would not already give it.
 */
export const peerCors: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const origin = c.req.header("Origin");
  const allowed = origin !== undefined && peerRelays(c.env.TETHER_PEER_RELAYS).includes(origin);
  if (c.req.method === "OPTIONS" && allowed)
    return new Response(null, {
      status: 204,
      headers: {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": "600",
        Vary: "Origin",
      },
    });
  await next();
  if (!allowed) return;
  const res = new Response(c.res.body, c.res);
  res.headers.set("Access-Control-Allow-Origin", origin);
  res.headers.append("Vary", "Origin");
  c.res = res;
};

function originOf(value: string): string | null {
  if (!/^https?:\/\//.test(value)) return null;
  try {
    const u = new URL(value);
    return u.pathname === "/" && !u.search && !u.hash ? u.origin : null;
  } catch {
    return null;
  }
}
