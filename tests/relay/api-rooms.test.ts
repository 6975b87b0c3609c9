import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreateShareRes, Limits } from "../../shared/protocol/index.ts";
import {
  call,
  claimedRoom,
  directory,
  expectError,
  mint,
  newMachine,
  newMachineId,
  newSessionRoom,
  ORIGIN,
  openAndClose,
  openSocket,
  SECRET,
  share,
} from "./api-test-kit.ts";

/** /api/shares, /api/rooms/:room and the Worker's WebSocket auth (docs/protocol.md §2–§4). */

describe("POST /api/shares", () => {
  it("mints a viewer share for 7 days with a link that keeps the token in the fragment", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const before = Date.now();
    const res = await call("POST", "/api/shares", { bearer: a.bridge.token, body: { room, role: "viewer" } });
    expect(res.status).toBe(201);
    const created = CreateShareRes.parse(await res.json());
    expect(created.token).toMatch(/^tt_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`${ORIGIN}/s/${room}#t=${created.token}`);
    expect(created.expiresAt).toBeGreaterThanOrEqual(before + Limits.shareTtlDefaultSeconds * 1000);
    expect(created.expiresAt).toBeLessThanOrEqual(Date.now() + Limits.shareTtlDefaultSeconds * 1000);
  });

  it("lets a device of the machine share with a chosen lifetime up to 30 days", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const body = { room, role: "controller", ttlSeconds: Limits.shareTtlMaxSeconds };
    const res = await call("POST", "/api/shares", { bearer: a.device.token, body });
    expect(res.status).toBe(201);
    const created = CreateShareRes.parse(await res.json());
    expect(created.expiresAt).toBeGreaterThan(Date.now() + (Limits.shareTtlMaxSeconds - 60) * 1000);
    const tooLong = { ...body, ttlSeconds: Limits.shareTtlMaxSeconds + 1 };
    await expectError(
      await call("POST", "/api/shares", { bearer: a.device.token, body: tooLong }),
      400,
      "bad_request",
    );
  });

  it("rejects machine rooms and bad bodies (400), unclaimed rooms (404)", async () => {
    const a = await newMachine();
    const post = (body: unknown) => call("POST", "/api/shares", { bearer: a.bridge.token, body });
    await expectError(await post({ room: `m-${a.machineId}`, role: "viewer" }), 400, "bad_request");
    await expectError(await post({ room: "nope", role: "viewer" }), 400, "bad_request");
    await expectError(await post({ room: newSessionRoom(), role: "bridge" }), 400, "bad_request");
    await expectError(await post({ room: newSessionRoom(), role: "viewer" }), 404, "not_found");
  });

  it("refuses other machines and share tokens (403), no bearer (401)", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, room);
    const body = { room, role: "viewer" };
    await expectError(await call("POST", "/api/shares", { bearer: b.bridge.token, body }), 403, "forbidden");
    await expectError(await call("POST", "/api/shares", { bearer: viewer.token, body }), 403, "forbidden");
    await expectError(await call("POST", "/api/shares", { body }), 401, "unauthorized");
    expect((await call("POST", "/api/shares", { bearer: SECRET, body })).status).toBe(201);
  });
});

describe("DELETE /api/rooms/:room", () => {
  it("deletes the owner's session room for good", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    expect((await call("DELETE", `/api/rooms/${room}`, { bearer: a.bridge.token })).status).toBe(204);
    expect(await directory().authorizeRoom(a.bridge.token, room, Date.now())).toEqual({
      ok: false,
      close: 4004,
    });
    const body = { room, role: "viewer" };
    await expectError(await call("POST", "/api/shares", { bearer: a.bridge.token, body }), 404, "not_found");
  });

  it("lets the relay secret delete any session room", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    expect((await call("DELETE", `/api/rooms/${room}`, { bearer: SECRET })).status).toBe(204);
  });

  it("refuses devices and other machines (403), unknown rooms (404), bad or machine rooms (400)", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const del = (r: string, bearer?: string) =>
      call("DELETE", `/api/rooms/${r}`, bearer === undefined ? {} : { bearer });
    await expectError(await del(room, a.device.token), 403, "forbidden");
    await expectError(await del(room, b.bridge.token), 403, "forbidden");
    await expectError(await del(newSessionRoom(), a.bridge.token), 404, "not_found");
    await expectError(await del(`m-${a.machineId}`, a.bridge.token), 400, "bad_request");
    await expectError(await del("bad!room", a.bridge.token), 400, "bad_request");
    await expectError(await del(room), 401, "unauthorized");
  });
});

describe("WebSocket auth in the Worker", () => {
  const open = (room: string, headers: Record<string, string>) =>
    exports.default.fetch(`${ORIGIN}/v1/rooms/${room}`, { headers });

  it("answers 426 without an Upgrade, 400 without tether.v1 or with a bad room id", async () => {
    const { bridge, machineId } = await newMachine();
    const protocols = `tether.v1, bearer.${bridge.token}`;
    expect((await open(`m-${machineId}`, { "Sec-WebSocket-Protocol": protocols })).status).toBe(426);
    const noProtocol = { Upgrade: "websocket", "Sec-WebSocket-Protocol": `bearer.${bridge.token}` };
    expect((await open(`m-${machineId}`, noProtocol)).status).toBe(400);
    expect((await open("x-bad", { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols })).status).toBe(
      400,
    );
  });

  it("closes with 4001 for unknown, revoked and relay-secret bearers", async () => {
    const { machineId, device } = await newMachine();
    const room = `m-${machineId}`;
    expect(await openAndClose(room, `tt_${"Z".repeat(43)}`)).toBe(4001);
    expect(await openAndClose(room, SECRET)).toBe(4001);
    expect((await call("DELETE", `/api/tokens/${device.id}`, { bearer: SECRET })).status).toBe(200);
    expect(await openAndClose(room, device.token)).toBe(4001);
  });

  it("closes with 4403 outside the token's scope", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const roomA = await claimedRoom(a.bridge.token);
    const roomB = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, roomA);
    expect(await openAndClose(roomB, viewer.token)).toBe(4403);
    expect(await openAndClose(`m-${a.machineId}`, b.device.token)).toBe(4403);
    expect(await openAndClose(roomA, b.bridge.token)).toBe(4403);
  });

  it("closes with 4004 for rooms the bridge never opened and for deleted rooms", async () => {
    const machineId = newMachineId();
    const bridge = await mint("bridge", machineId);
    const device = await mint("device", machineId);
    expect(await openAndClose(`m-${machineId}`, device.token)).toBe(4004);
    expect(await openAndClose(newSessionRoom(), device.token)).toBe(4004);
    const room = await claimedRoom(bridge.token);
    expect((await call("DELETE", `/api/rooms/${room}`, { bearer: bridge.token })).status).toBe(204);
    expect(await openAndClose(room, bridge.token)).toBe(4004);
  });
});

describe("closing open sockets", () => {
  it("closes a revoked token's sockets in every room of its scope with 4001", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const inMachineRoom = await openSocket(`m-${a.machineId}`, a.device.token);
    const inSessionRoom = await openSocket(room, a.device.token);
    const bridge = await openSocket(room, a.bridge.token);
    expect((await call("DELETE", `/api/tokens/${a.device.id}`, { bearer: a.bridge.token })).status).toBe(200);
    expect(await Promise.all([inMachineRoom.closed, inSessionRoom.closed])).toEqual([4001, 4001]);
    bridge.ws.close(1000, "done");
  });

  it("closes a revoked share token's socket with 4001", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, room);
    const socket = await openSocket(room, viewer.token);
    expect((await call("DELETE", `/api/tokens/${viewer.id}`, { bearer: a.device.token })).status).toBe(403);
    expect((await call("DELETE", `/api/tokens/${viewer.id}`, { bearer: SECRET })).status).toBe(200);
    expect(await socket.closed).toBe(4001);
  });

  it("closes every socket of a deleted room with 4004", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const bridge = await openSocket(room, a.bridge.token);
    const device = await openSocket(room, a.device.token);
    expect((await call("DELETE", `/api/rooms/${room}`, { bearer: a.bridge.token })).status).toBe(204);
    expect(await Promise.all([bridge.closed, device.closed])).toEqual([4004, 4004]);
  });
});
