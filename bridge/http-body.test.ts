import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { relayApi } from "./control/relay-api.ts";
import { BodyError, boundedText } from "./http-body.ts";

// A server that sends its headers and then stalls, or sends without end, must not hang or bloat
// the bridge: before, `res.text()` waited for ever after the fetch's timeout signal.

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function serve(write: (res: import("node:http").ServerResponse) => void): Promise<string> {
  server = createServer((_req, res) => write(res));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const stall = (res: import("node:http").ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"id":');
};

describe("boundedText", () => {
  it("gives up on a body that stops arriving", async () => {
    const url = await serve(stall);
    const res = await fetch(url);
    const started = Date.now();
    const err = await boundedText(res, { ms: 300, maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyError);
    expect((err as BodyError).code).toBe("body_timeout");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses a body larger than its cap, and reads one within it whole", async () => {
    const url = await serve((res) => res.end("x".repeat(5000)));
    const big = await boundedText(await fetch(url), { ms: 5000, maxBytes: 1000 }).catch((e: unknown) => e);
    expect((big as BodyError).code).toBe("body_too_large");
    expect(await boundedText(await fetch(url), { ms: 5000, maxBytes: 5000 })).toBe("x".repeat(5000));
  });
});

describe("relayApi", () => {
  it("answers a relay whose body is too large with a typed error, not a hang or a crash", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"pad":"${"y".repeat(2 << 20)}"}`);
    });
    const r = await relayApi.me({ relayUrl: url, token: "t" });
    expect(r).toMatchObject({ ok: false, code: "unreachable" });
    expect(r.ok ? "" : r.message).toContain("larger than");
  });
});
