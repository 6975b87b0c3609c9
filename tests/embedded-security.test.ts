import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedRelay, startEmbeddedRelay } from "../bridge/embedded/embedded-relay.ts";
import { makeLogger } from "../bridge/log.ts";
import { historyFlood } from "./support/flood-probe.ts";

/** The embedded relay (`tether up`) against DNS rebinding and forged client addresses (issue 10). */

const PEER = "https://relay-b.example";
let relay: EmbeddedRelay;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "tether-embedded-sec-"));
  const started = await startEmbeddedRelay({
    stateDir,
    host: "127.0.0.1",
    port: 0,
    log: makeLogger(false, () => {}),
    peers: [PEER],
  });
  if (!started.ok) throw new Error(started.message);
  relay = started.relay;
}, 180_000);

afterAll(async () => {
  await relay?.dispose();
  rmSync(stateDir, { recursive: true, force: true });
});

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw HTTP request, so the Host header can be chosen (fetch does not let a caller set it). */
function get(
  path: string,
  host: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: relay.port, path, method, headers: { Host: host, ...headers } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

describe("embedded relay: Host check and headers", () => {
  it("lets the app reach the peer relays tether up was given, and only those", async () => {
    const page = await get("/", "127.0.0.1");
    expect(String(page.headers["content-security-policy"])).toContain(
      `connect-src 'self' ${PEER} wss://relay-b.example`,
    );
    const preflight = { Origin: PEER, "Access-Control-Request-Method": "GET" };
    const allowed = await get("/api/me", "127.0.0.1", "OPTIONS", preflight);
    expect(allowed.status).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe(PEER);
    const other = await get("/api/me", "127.0.0.1", "OPTIONS", {
      ...preflight,
      Origin: "https://evil.example",
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("serves the app with its security headers on the hosts it serves", async () => {
    for (const host of [`127.0.0.1:${relay.port}`, `localhost:${relay.port}`, `[::1]:${relay.port}`]) {
      const res = await get("/", host);
      expect(res.status, host).toBe(200);
      expect(res.body).toContain('<div id="app">');
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
    }
  });

  it("answers any other Host with a typed 421, for the app, the API and the health check", async () => {
    for (const path of ["/", "/healthz", "/api/me"]) {
      const res = await get(path, `rebound.example:${relay.port}`);
      expect(res.status, path).toBe(421);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "misdirected" } });
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("ignores a client-supplied CF-Connecting-IP: forged addresses share one pairing budget", async () => {
    const host = `127.0.0.1:${relay.port}`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await get("/api/pair", host, "POST", {
        "CF-Connecting-IP": `203.0.113.${i}`,
        "Content-Type": "application/json",
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses[10]).toBe(429);
  });

  it("a viewer's history flood is refused and cut off; a controller's send is not held up", async () => {
    const f = await historyFlood(relay.url, relay.secret);
    console.info(
      `history flood (embedded relay): ${f.answered} answered, ${f.refused} refused, ${f.viewerBytes} bytes;` +
        ` controller ack after ${Math.round(f.controllerAckMs)} ms; viewer closed ${JSON.stringify(f.viewerClose)}`,
    );
    expect(f.viewerClose).toEqual({ code: 4008, reason: "too many refused frames" });
    expect(f.answered).toBeLessThanOrEqual(20);
    expect(f.viewerBytes).toBeLessThan(5_000_000);
    expect(f.controllerAckMs).toBeLessThan(2000);
  }, 240_000);
});
