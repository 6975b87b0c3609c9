import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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
