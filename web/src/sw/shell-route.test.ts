import { describe, expect, it } from "vitest";
import { type RouteInput, shellRoute } from "./shell-route.ts";

const ORIGIN = "https://relay.test";
const PRECACHED = new Set([
  "/",
  "/assets/index-abc.js",
  "/assets/session-page-def.js",
  "/manifest.webmanifest",
]);

const get = (path: string, mode = "cors"): RouteInput => ({ method: "GET", url: `${ORIGIN}${path}`, mode });
const route = (req: RouteInput) => shellRoute(req, ORIGIN, PRECACHED);

describe("shellRoute: what the service worker answers", () => {
  it("never the relay's API, sockets, health check or its own script, navigations included", () => {
    for (const path of [
      "/api/me",
      "/api",
      "/api/pair",
      "/v1/rooms/s-AAAAAAAAAAAAAAAA",
      "/v1",
      "/healthz",
      "/sw.js",
    ]) {
      expect(route(get(path)), path).toBe("pass");
      expect(route(get(path, "navigate")), `${path} navigated`).toBe("pass");
      expect(route(get(`${path}?x=1`)), `${path}?x=1`).toBe("pass");
    }
    expect(route({ method: "GET", url: "wss://relay.test/v1/rooms/m-abcdefgh", mode: "websocket" })).toBe(
      "pass",
    );
  });

  it("never another method or another origin", () => {
    for (const method of ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
      expect(route({ method, url: `${ORIGIN}/`, mode: "navigate" }), method).toBe("pass");
    expect(route({ method: "GET", url: "https://elsewhere.test/", mode: "navigate" })).toBe("pass");
    expect(route({ method: "GET", url: "http://relay.test/assets/index-abc.js", mode: "cors" })).toBe("pass");
    expect(route({ method: "GET", url: "not a url", mode: "cors" })).toBe("pass");
  });

  it("paths that only start like the relay's routes are the app's", () => {
    expect(route(get("/apis", "navigate"))).toBe("page");
    expect(route(get("/v10", "navigate"))).toBe("page");
    expect(route(get("/healthz/x", "navigate"))).toBe("page");
  });

  it("navigations of the app are pages (answered from the cached app)", () => {
    for (const path of ["/", "/pair", "/m/mc123456", "/s/s-AAAAAAAAAAAAAAAA", "/nowhere", "/?source=pwa"])
      expect(route(get(path, "navigate")), path).toBe("page");
  });

  it("precached files come from the cache, exactly as the build listed them", () => {
    expect(route(get("/assets/index-abc.js"))).toBe("shell");
    expect(route(get("/assets/session-page-def.js", "no-cors"))).toBe("shell");
    expect(route(get("/manifest.webmanifest"))).toBe("shell");
    expect(route(get("/assets/index-abc.js?v=2"))).toBe("pass");
    expect(route(get("/assets/other-xyz.js"))).toBe("pass");
    expect(route(get("/icon.svg"))).toBe("pass");
  });
});
