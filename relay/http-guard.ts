import type { MiddlewareHandler } from "hono";
import { peerRelays, withPeers } from "./peer-relays.ts";

/**
 * Headers and checks every HTTP answer of the Worker gets, the web app's files included
 * (docs/protocol.md §3.5). The same code runs on Cloudflare and in the embedded relay.
 */

/**
 * The app loads only its own files and talks only to its own origin; nothing may frame it. Its
 * service worker (/sw.js) and manifest are its own files too, named here rather than left to the
 * fallbacks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  // data: only for the previews of attachments (raster data URLs the schema checks, §9.5.1).
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

type Guard = MiddlewareHandler<{ Bindings: Env }>;

export const securityHeaders: Guard = async (c, next) => {
  await next();
  // A WebSocket upgrade carries its socket in the Response object; it is left as it is.
  if (c.res.status === 101) return;
  let res = c.res;
  // The page's own policy (pagePolicy): CONTENT_SECURITY_POLICY plus its inline code's hashes.
  const page = pagePolicyMark.get(res);
  if (!headersWritable(res)) {
    res = new Response(res.body, res);
  }
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.headers.set(name, value);
  const peers = peerRelays(c.env.TETHER_PEER_RELAYS);
  res.headers.set("Content-Security-Policy", withPeers(page ?? CONTENT_SECURITY_POLICY, peers));
  c.res = res;
};

/**
 * Against DNS rebinding: the embedded relay answers only under the host names it serves — loopback,
 * and what TETHER_HOSTS lists (the LAN address with --lan, the public URL's host). On Cloudflare
 * the edge routes by host already, so the check is off there.
 */
export const hostCheck: Guard = async (c, next) => {
  if (c.env.TETHER_EMBEDDED !== "1") return next();
  const host = hostnameOf(c.req.header("Host") ?? "");
  if (host !== null && servedHosts(c.env.TETHER_HOSTS).has(host)) return next();
  const message = "this relay does not serve that host name";
  return c.json({ error: { code: "misdirected", message } }, 421);
};

const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];

export function servedHosts(configured: string | undefined): Set<string> {
  const extra = (configured ?? "").split(",").map((h) => hostnameOf(h.trim()));
  return new Set([...LOOPBACK, ...extra.filter((h): h is string => h !== null)]);
}

/** The lower-case host name of a Host header value (port dropped, IPv6 in brackets); null if malformed. */
export function hostnameOf(value: string): string | null {
  if (value === "" || /[\s/?#@]/.test(value)) return null;
  try {
    return new URL(`http://${value}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * How long browsers may keep a file of the web app. Vite names what it puts under /assets/ by
 * content hash, so those never change and may be kept for a year. Everything else keeps its name
 * across versions and is revalidated on every use: the page (so a deploy is seen at once), the
 * manifest and icons, and /sw.js (the browser finds a new version of the app by it). A path under
 * /assets/ that does not exist is answered with the page (the SPA fallback): not kept either.
 */
export function assetCacheControl(path: string, contentType: string | null): string {
  const page = (contentType ?? "").startsWith("text/html");
  return path.startsWith("/assets/") && !page ? "public, max-age=31536000, immutable" : "no-cache";
}

/**
 * The web app's answer from the assets binding, with its caching rule (and the page's CSP). With
 * peer relays (§3.6) the page's own meta policy lets it connect to them too.
 */
export async function withAssetCaching(
  path: string,
  res: Response,
  peers: readonly string[] = [],
): Promise<Response> {
  const cacheControl = assetCacheControl(path, res.headers.get("Content-Type"));
  if (!(res.headers.get("Content-Type") ?? "").startsWith("text/html") || res.status !== 200) {
    const out = new Response(res.body, res);
    out.headers.set("Cache-Control", cacheControl);
    return out;
  }
  const built = await res.text();
  const html = peers.length === 0 ? built : built.replace(META_POLICY, (meta) => withPeers(meta, peers));
  const out = new Response(html, res);
  out.headers.set("Cache-Control", cacheControl);
  // No validators: a 304 carries no body to take the hashes from, and a browser keeps a page's
  // CSP from its first answer, so the page is always sent whole (it is small).
  out.headers.delete("ETag");
  out.headers.delete("Last-Modified");
  const policy = pagePolicy(html);
  out.headers.set("Content-Security-Policy", policy);
  pagePolicyMark.set(out, policy);
  return out;
}

/**
 * The page inlines its first script and its stylesheet (web/scripts/inline-entry.ts) and lists
 * their hashes in its CSP meta tag, computed when it was built. Its header policy is the one above
 * with those hashes, and nothing else, taken from the page being served: so a relay always agrees
 * with the build it serves. Only well-formed 'sha256-…' sources of script-src and style-src count.
 */
export function pagePolicy(html: string): string {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1] ?? "";
  const hashes = (name: string) =>
    (meta.split(";").find((d) => d.trim().startsWith(`${name} `)) ?? "")
      .trim()
      .split(/\s+/)
      .filter((v) => /^'sha256-[A-Za-z0-9+/]{43}='$/.test(v));
  return CONTENT_SECURITY_POLICY.split("; ")
    .map((d) => {
      const name = d.split(" ")[0] ?? "";
      const extra = name === "script-src" || name === "style-src" ? hashes(name) : [];
      return [d, ...extra].join(" ");
    })
    .join("; ");
}

const META_POLICY = /<meta\s+http-equiv="Content-Security-Policy"\s+content="[^"]*"/i;

/** Answers whose CSP is the page's own (set by withAssetCaching, kept by securityHeaders). */
const pagePolicyMark = new WeakMap<Response, string>();

function headersWritable(res: Response): boolean {
  try {
    res.headers.set("X-Content-Type-Options", "nosniff");
    return true;
  } catch {
    return false;
  }
}
