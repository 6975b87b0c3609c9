import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assetCacheControl, CONTENT_SECURITY_POLICY, pagePolicy } from "../../relay/http-guard.ts";
import { call, ORIGIN } from "./api-test-kit.ts";

/** Security headers on every answer of the Worker: the API, the health check and the web app. */

function expectSecurityHeaders(res: Response): void {
  const csp = res.headers.get("Content-Security-Policy") ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
}

describe("security headers", () => {
  it("are on API answers, errors included, and on /healthz", async () => {
    for (const res of [
      await call("GET", "/healthz"),
      await call("GET", "/api/me"),
      await call("GET", "/api/nowhere"),
      await call("GET", "/v1/nowhere"),
    ]) {
      expectSecurityHeaders(res);
      await res.body?.cancel();
    }
  });

  it("are on the web app's pages and assets, and a client route still serves the app", async () => {
    for (const path of ["/", "/pair", "/manifest.webmanifest"]) {
      const res = await exports.default.fetch(`${ORIGIN}${path}`);
      expect(res.status, path).toBe(200);
      expectSecurityHeaders(res);
      const text = await res.text();
      if (path !== "/manifest.webmanifest") expect(text).toContain('<div id="app">');
    }
  });
});

describe("the page's inline code", () => {
  it("is allowed by its hash in the header as in the page, and nothing else inline is", async () => {
    const page = await exports.default.fetch(`${ORIGIN}/`);
    const html = await page.text();
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? "";
    const header = page.headers.get("Content-Security-Policy") ?? "";
    const hashes = (csp: string) => csp.match(/'sha256-[A-Za-z0-9+/]{43}='/g) ?? [];
    expect(hashes(meta).length).toBeGreaterThan(0);
    expect(hashes(header)).toEqual(hashes(meta));
    expect(header).toBe(pagePolicy(html));
    expect(page.headers.get("ETag")).toBeNull();
    // Other answers keep the policy without hashes.
    const api = await call("GET", "/healthz");
    expect(api.headers.get("Content-Security-Policy")).toBe(CONTENT_SECURITY_POLICY);
    await api.body?.cancel();
  });

  it("takes only well-formed sha256 sources of script-src and style-src from the page", () => {
    const h = `'sha256-${"A".repeat(43)}='`;
    const html = `<meta http-equiv="Content-Security-Policy" content="script-src 'self' ${h} 'unsafe-inline' https://x; style-src 'self' ${h}; img-src ${h} *"/>`;
    const csp = pagePolicy(html);
    expect(csp).toContain(`script-src 'self' ${h};`);
    expect(csp).toContain(`style-src 'self' ${h};`);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("img-src 'self' data:;");
    expect(pagePolicy("<p>no policy</p>")).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe("the web app's service worker and caching", () => {
  it("serves /sw.js at the root, revalidated on every check, under a CSP that allows it", async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sw.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/javascript/);
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    expectSecurityHeaders(res);
    expect(await res.text()).toContain("tether-shell-");
    expect(CONTENT_SECURITY_POLICY).toContain("worker-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("manifest-src 'self'");
  });

  it("keeps hashed assets for a year, and the page, manifest and icons never unchecked", async () => {
    const page = await exports.default.fetch(`${ORIGIN}/`);
    expect(page.headers.get("Cache-Control")).toBe("no-cache");
    // The first script is inline; it loads the other pages' chunks from /assets/.
    const script = /["'`](\/assets\/[^"'`]+\.js)["'`]/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const asset = await exports.default.fetch(`${ORIGIN}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    await asset.body?.cancel();
    for (const path of [
      "/s/s-AAAAAAAAAAAAAAAA",
      "/manifest.webmanifest",
      "/icon-192.png",
      "/assets/gone-1234.js",
    ]) {
      const res = await exports.default.fetch(`${ORIGIN}${path}`);
      expect(res.headers.get("Cache-Control"), path).toBe("no-cache");
      await res.body?.cancel();
    }
    // The API is not the web app's: it keeps its own headers.
    const api = await call("GET", "/healthz");
    expect(api.headers.get("Cache-Control")).toBeNull();
    await api.body?.cancel();
  });

  it("decides by path and type: a page under /assets/ (the SPA fallback) is not kept", () => {
    expect(assetCacheControl("/assets/index-AbC.js", "text/javascript")).toContain("immutable");
    expect(assetCacheControl("/assets/index-AbC.css", "text/css; charset=utf-8")).toContain("immutable");
    expect(assetCacheControl("/assets/missing.js", "text/html; charset=utf-8")).toBe("no-cache");
    expect(assetCacheControl("/sw.js", "text/javascript")).toBe("no-cache");
    expect(assetCacheControl("/", "text/html")).toBe("no-cache");
  });
});
