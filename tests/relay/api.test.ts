import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MeRes, TokenList } from "../../shared/protocol/index.ts";
import {
  call,
  claimedRoom,
  directory,
  expectError,
  mint,
  newMachine,
  newMachineId,
  SECRET,
  share,
} from "./api-test-kit.ts";

/** /api/tokens and /api/me (docs/protocol.md §3.2). */

describe("POST /api/tokens", () => {
  it("mints bridge and device tokens with the relay secret", async () => {
    const machineId = newMachineId();
    const before = Date.now();
    const bridge = await mint("bridge", machineId);
    expect(bridge.id).toMatch(/^tk_[A-Za-z0-9_-]{12}$/);
    expect(bridge.token).toMatch(/^tt_[A-Za-z0-9_-]{43}$/);
    expect(bridge.expiresAt).toBeNull();
    const device = await mint("device", machineId, { label: "phone", ttlSeconds: 3600 });
    expect(device.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(device.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it("lets a bridge token mint device tokens of its own machine only", async () => {
    const { machineId, bridge, device } = await newMachine();
    const ok = await call("POST", "/api/tokens", {
      bearer: bridge.token,
      body: { kind: "device", machineId },
    });
    expect(ok.status).toBe(201);
    const minted: { token: string } = await ok.json();
    const me = MeRes.parse(await (await call("GET", "/api/me", { bearer: minted.token })).json());
    expect(me).toMatchObject({ kind: "device", role: "controller", machineId });

    const asBridge = { kind: "bridge", machineId };
    await expectError(
      await call("POST", "/api/tokens", { bearer: bridge.token, body: asBridge }),
      403,
      "forbidden",
    );
    const other = { kind: "device", machineId: newMachineId() };
    await expectError(
      await call("POST", "/api/tokens", { bearer: bridge.token, body: other }),
      403,
      "forbidden",
    );
    const byDevice = { kind: "device", machineId };
    await expectError(
      await call("POST", "/api/tokens", { bearer: device.token, body: byDevice }),
      403,
      "forbidden",
    );
  });

  it("answers 401 for a missing, malformed, unknown, revoked or expired bearer", async () => {
    const body = { kind: "device", machineId: newMachineId() };
    await expectError(await call("POST", "/api/tokens", { body }), 401, "unauthorized");
    const basic = { body, headers: { Authorization: `Basic ${SECRET}` } };
    await expectError(await call("POST", "/api/tokens", basic), 401, "unauthorized");
    await expectError(
      await call("POST", "/api/tokens", { bearer: `tt_${"x".repeat(43)}`, body }),
      401,
      "unauthorized",
    );

    const revoked = await mint("bridge", body.machineId);
    expect((await call("DELETE", `/api/tokens/${revoked.id}`, { bearer: SECRET })).status).toBe(200);
    await expectError(
      await call("POST", "/api/tokens", { bearer: revoked.token, body }),
      401,
      "unauthorized",
    );

    const expired = await mint("bridge", body.machineId, { ttlSeconds: 3600 });
    await runInDurableObject(directory(), (_instance, state) => {
      state.storage.sql.exec("UPDATE tokens SET expires_at = ? WHERE id = ?", Date.now() - 1, expired.id);
    });
    await expectError(
      await call("POST", "/api/tokens", { bearer: expired.token, body }),
      401,
      "unauthorized",
    );
  });

  it("answers 400 bad_request for malformed JSON and schema failures", async () => {
    const malformed = await call("POST", "/api/tokens", { bearer: SECRET, rawBody: "{kind:" });
    expect(await expectError(malformed, 400, "bad_request")).toMatch(/JSON/);
    const badId = await call("POST", "/api/tokens", {
      bearer: SECRET,
      body: { kind: "device", machineId: "x" },
    });
    expect(await expectError(badId, 400, "bad_request")).toMatch(/machineId/);
    const share = { kind: "share", machineId: newMachineId() };
    await expectError(await call("POST", "/api/tokens", { bearer: SECRET, body: share }), 400, "bad_request");
    const ttl = { kind: "bridge", machineId: newMachineId(), ttlSeconds: -1 };
    await expectError(await call("POST", "/api/tokens", { bearer: SECRET, body: ttl }), 400, "bad_request");
    await expectError(await call("POST", "/api/tokens", { bearer: SECRET }), 400, "bad_request");
  });
});

describe("GET /api/tokens", () => {
  it("lists a bridge's own machine, with rooms, never values or hashes", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, room);
    const res = await call("GET", "/api/tokens", { bearer: a.bridge.token });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const t of [a.bridge, a.device, viewer, b.bridge]) expect(text).not.toContain(t.token);
    expect(text).not.toMatch(/hash|[0-9a-f]{64}/);
    const { tokens } = TokenList.parse(JSON.parse(text));
    expect(tokens.every((t) => !("token" in t) && !("hash" in t))).toBe(true);
    expect(tokens.map((t) => [t.id, t.kind, t.role, t.rooms])).toEqual([
      [a.bridge.id, "bridge", "bridge", [`m-${a.machineId}`, room]],
      [a.device.id, "device", "controller", [`m-${a.machineId}`, room]],
      [viewer.id, "share", "viewer", [room]],
    ]);
    expect(tokens[2]).toMatchObject({ machineId: a.machineId, label: null, revokedAt: null });
  });

  it("lists every machine's tokens for the relay secret", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const res = await call("GET", "/api/tokens", { bearer: SECRET });
    const ids = TokenList.parse(await res.json()).tokens.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining([a.bridge.id, a.device.id, b.bridge.id, b.device.id]));
  });

  it("refuses devices (403) and missing bearers (401)", async () => {
    const { device } = await newMachine();
    await expectError(await call("GET", "/api/tokens", { bearer: device.token }), 403, "forbidden");
    await expectError(await call("GET", "/api/tokens"), 401, "unauthorized");
  });
});

describe("DELETE /api/tokens/:id", () => {
  it("revokes a device token of the bridge's machine; repeating answers 200 again", async () => {
    const { bridge, device } = await newMachine();
    const before = Date.now();
    expect((await call("DELETE", `/api/tokens/${device.id}`, { bearer: bridge.token })).status).toBe(200);
    await expectError(await call("GET", "/api/me", { bearer: device.token }), 401, "unauthorized");
    expect((await call("DELETE", `/api/tokens/${device.id}`, { bearer: bridge.token })).status).toBe(200);
    const { tokens } = TokenList.parse(
      await (await call("GET", "/api/tokens", { bearer: bridge.token })).json(),
    );
    const revokedAt = tokens.find((t) => t.id === device.id)?.revokedAt ?? 0;
    expect(revokedAt).toBeGreaterThanOrEqual(before);
  });

  it("lets a bridge revoke share tokens and itself, but not other bridges or machines", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const viewer = await share(a.bridge.token, await claimedRoom(a.bridge.token));
    const sibling = await mint("bridge", a.machineId);
    const del = (id: string, bearer: string) => call("DELETE", `/api/tokens/${id}`, { bearer });
    await expectError(await del(sibling.id, a.bridge.token), 403, "forbidden");
    await expectError(await del(b.device.id, a.bridge.token), 403, "forbidden");
    await expectError(await del(viewer.id, a.device.token), 403, "forbidden");
    expect((await del(viewer.id, a.bridge.token)).status).toBe(200);
    expect((await del(a.bridge.id, a.bridge.token)).status).toBe(200);
    await expectError(await call("GET", "/api/me", { bearer: a.bridge.token }), 401, "unauthorized");
    expect((await del(sibling.id, SECRET)).status).toBe(200);
  });

  it("answers 404 for an unknown id and 401 without a bearer", async () => {
    await expectError(await call("DELETE", "/api/tokens/tk_unknown", { bearer: SECRET }), 404, "not_found");
    await expectError(await call("DELETE", "/api/tokens/tk_unknown"), 401, "unauthorized");
  });
});

describe("GET /api/me", () => {
  it("describes the bearer token", async () => {
    const { machineId, bridge } = await newMachine();
    const res = await call("GET", "/api/me", { bearer: bridge.token });
    expect(res.status).toBe(200);
    expect(MeRes.parse(await res.json())).toEqual({
      id: bridge.id,
      kind: "bridge",
      role: "bridge",
      machineId,
      rooms: [`m-${machineId}`],
      expiresAt: null,
    });
  });

  it("describes a share token with its one room", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const controller = await share(a.bridge.token, room, "controller");
    const me = MeRes.parse(await (await call("GET", "/api/me", { bearer: controller.token })).json());
    expect(me).toEqual({
      ...me,
      kind: "share",
      role: "controller",
      rooms: [room],
      expiresAt: controller.expiresAt,
    });
  });

  it("answers 401 for the relay secret and for no bearer", async () => {
    await expectError(await call("GET", "/api/me", { bearer: SECRET }), 401, "unauthorized");
    await expectError(await call("GET", "/api/me"), 401, "unauthorized");
  });
});
