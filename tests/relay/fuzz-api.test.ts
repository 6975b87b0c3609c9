import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpError, HttpErrorCode } from "../../shared/protocol/index.ts";
import { call, claimedRoom, directory, newMachine, SECRET } from "./api-test-kit.ts";
import { batch, WsClient } from "./ws-test-kit.ts";

/**
 * Generated bad HTTP requests (docs/protocol.md §3): odd methods, paths,
 * headers and bodies, with and without real credentials. Each gets a typed `{error:{code,message}}`
 * with a 4xx status (or, for a read with a real credential, its ordinary 200), never a 500, and
 * neither the Directory's tables nor a room's log change.
 */
const ERROR_STATUS = [400, 401, 403, 404, 405, 426, 429];
const READ_METHODS = ["GET", "HEAD"];

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const path = fc.oneof(
  fc.constantFrom(
    "/api/tokens",
    "/api/pairings",
    "/api/pair",
    "/api/me",
    "/api/shares",
    "/api",
    "/api/",
    "/api//tokens",
  ),
  printable.map((s) => `/api/${encodeURIComponent(s)}`),
  printable.map((s) => `/api/tokens/${encodeURIComponent(s)}`),
  fc
    .oneof(
      fc.constantFrom("..", "%2F", "m-", "s-", "s-short", "m-a/b", "%00", "s-%E2%80%A8aaaaaaaaaaaaaaaa"),
      fc.string({ minLength: 2000, maxLength: 2100 }).map(encodeURIComponent),
      printable.map(encodeURIComponent),
      fc
        .string({ minLength: 16, maxLength: 20, unit: fc.constantFrom(..."abcdefghijklmnop") })
        .map((s) => `s-${s}`),
    )
    .chain((room) => fc.constantFrom(`/api/rooms/${room}`, `/v1/rooms/${room}`)),
);

/**
 * Bodies that no endpoint accepts, whatever the path: not JSON, not an object, or an object whose
 * `label` is wrong (every schema with a `label` refuses it; the share schema lacks room and role).
 * Unknown fields are ignored by design, so an object without a bad label could be valid somewhere.
 */
const badLabel = fc.oneof(
  fc.nat(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.string({ minLength: 201, maxLength: 260 }),
);
const badBody = fc.oneof(
  printable.filter((s) => s.trim() !== "" && !isJson(s)),
  fc.constantFrom(
    "[]",
    "null",
    "1",
    '"x"',
    "true",
    "1e999",
    "\uFEFF[]",
    "<deep [>",
    "<deep {>",
    "<2 MB label>",
  ),
  fc.constantFrom(
    '{"__proto__":{"kind":"device","machineId":"abcdef","label":"ok"},"label":5}',
    '{"kind":"bridge","machineId":"abcdef","__proto__":{"ttlSeconds":-1},"ttlSeconds":"x","label":[]}',
    '{"constructor":{"prototype":{"polluted":1}},"code":5,"label":{}}',
  ),
  fc
    .record({
      kind: fc.oneof(fc.constantFrom("share", "admin", "", "device"), fc.nat()),
      machineId: fc.oneof(
        fc.constantFrom("a", "../x", "a".repeat(80), "abcdef"),
        fc.nat(),
        fc.constant(null),
      ),
      ttlSeconds: fc.oneof(
        fc.integer({ max: -1 }),
        fc.double({ noNaN: true }),
        fc.string(),
        fc.constant(1e308),
      ),
      code: fc.oneof(fc.nat(), fc.constant(null), fc.string()),
      room: fc.oneof(fc.nat(), fc.constantFrom("m-nope", "", "s-aaaaaaaaaaaaaaaa")),
      role: fc.constantFrom("owner", "", "bridge", "viewer"),
      label: badLabel,
    })
    .map((r) => JSON.stringify(r)),
);

/** Large bodies are named in the generator (so a failure report stays readable) and built here. */
function expand(body: string): string {
  if (body === "<deep [>") return "[".repeat(100_000);
  if (body === "<deep {>") return "{".repeat(5_000);
  if (body === "<2 MB label>") return JSON.stringify({ code: "x", label: "x".repeat(2_000_000) });
  return body;
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

type Creds = { secret: string; bridge: string; device: string };

function requestArb(creds: Creds) {
  const bearer = fc.oneof(
    fc.constant(undefined),
    printable.map((s) => `Bearer ${s}`),
    printable,
    fc.constantFrom(
      "Bearer",
      "Bearer ",
      "Basic abc",
      `Bearer tt_${"A".repeat(43)}`,
      `Bearer ${"x".repeat(20_000)}`,
    ),
    fc.constantFrom(
      `Bearer ${creds.secret}`,
      `Bearer ${creds.bridge}`,
      `Bearer ${creds.device}`,
      `bearer  ${creds.bridge} `,
    ),
  );
  const contentType = fc.option(
    fc.constantFrom(
      "application/json",
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
    ),
  );
  return fc.record({
    method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
    path,
    authorization: bearer,
    contentType,
    body: badBody,
  });
}

/** Everything the Directory remembers, and the log of one room. */
async function snapshot(room: string) {
  const tables = await runInDurableObject(directory(), (_d, state) =>
    ["tokens", "rooms", "pairings"].map((t) =>
      state.storage.sql.exec(`SELECT * FROM ${t} ORDER BY 1`).toArray(),
    ),
  );
  const log = await runInDurableObject(env.ROOM.getByName(room), (_r, state) =>
    state.storage.sql.exec("SELECT * FROM log ORDER BY seq").toArray(),
  );
  return { tables, log };
}

describe("fuzzing the HTTP API (fast-check, in workerd)", () => {
  it("bad methods, paths, headers and bodies: typed 4xx errors, nothing changes", async () => {
    const m = await newMachine();
    const room = await claimedRoom(m.bridge.token);
    const b = await WsClient.join(room, m.bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    b.send(batch("agent.message", 5));
    await b.next("acked");
    b.close();
    const creds = { secret: SECRET, bridge: m.bridge.token, device: m.device.token };
    const before = await snapshot(room);
    await fc.assert(
      fc.asyncProperty(requestArb(creds), async (r) => {
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.Authorization = r.authorization;
        if (r.contentType !== null) headers["Content-Type"] = r.contentType;
        const read = READ_METHODS.includes(r.method);
        const res = await call(r.method, r.path, { headers, ...(read ? {} : { rawBody: expand(r.body) }) });
        const what = `${r.method} ${r.path.slice(0, 80)} → ${res.status}`;
        if (res.status === 200 && read) return void (await res.body?.cancel());
        expect(ERROR_STATUS, what).toContain(res.status);
        // Known gap (reported): outside /api, whatever misses GET /v1/rooms/:room (another method,
        // an extra segment) gets Hono's default plain-text 404, not the typed error.
        const routed = new URL(r.path, "https://relay.test").pathname;
        const untyped =
          !routed.startsWith("/api/") && !(r.method === "GET" && /^\/v1\/rooms\/[^/]+$/.test(routed));
        if (r.method === "HEAD" || untyped) return void (await res.body?.cancel());
        const body: unknown = await res.json();
        const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
        expect(HttpErrorCode.safeParse(error?.code).success, `${what}: ${JSON.stringify(body)}`).toBe(true);
        expect(typeof error?.message, what).toBe("string");
      }),
      { numRuns: 250 },
    );
    expect(await snapshot(room)).toEqual(before);
    // Nothing of it reached an object's prototype, and the API still works.
    expect(Object.keys(Object.prototype)).toEqual([]);
    const me = await call("GET", "/api/me", { bearer: m.device.token });
    expect(me.status).toBe(200);
  }, 120_000);

  // Found by this fuzzer: such requests used to get hono's text/plain "404 Not Found".
  it("a request outside /api that matches no route gets the typed not_found error", async () => {
    for (const [method, path] of [
      ["POST", "/v1/rooms/s-AAAAAAAAAAAAAAAAAAAA"],
      ["GET", "/v1/rooms/m-abcdef/extra"],
    ] as const) {
      const res = await call(method, path);
      expect(res.status).toBe(404);
      expect(HttpError.safeParse(await res.json()).success).toBe(true);
    }
  });
});
