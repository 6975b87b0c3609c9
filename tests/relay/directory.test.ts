import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../relay/rate-limit.ts";
import {
  bearer,
  call,
  claimedRoom,
  directory,
  mint,
  newMachine,
  newMachineId,
  newSessionRoom,
  SECRET,
  secret,
  share,
} from "./api-test-kit.ts";

/** Room ownership and token scope (docs/protocol.md §2.2–§2.4), through the Directory's RPC as the Worker calls it. */

describe("authorizeRoom: bearer", () => {
  it("refuses unknown, empty and relay-secret bearers with 4001", async () => {
    const room = newSessionRoom();
    const now = Date.now();
    expect(await directory().authorizeRoom(`tt_${"A".repeat(43)}`, room, now)).toEqual({
      ok: false,
      close: 4001,
    });
    expect(await directory().authorizeRoom("", room, now)).toEqual({ ok: false, close: 4001 });
    expect(await directory().authorizeRoom(SECRET, room, now)).toEqual({ ok: false, close: 4001 });
  });

  it("refuses an expired token with 4001", async () => {
    const machineId = newMachineId();
    const bridge = await mint("bridge", machineId, { ttlSeconds: 60 });
    const now = Date.now();
    expect((await directory().authorizeRoom(bridge.token, `m-${machineId}`, now)).ok).toBe(true);
    const later = await directory().authorizeRoom(bridge.token, `m-${machineId}`, now + 61_000);
    expect(later).toEqual({ ok: false, close: 4001 });
  });

  it("refuses a revoked token with 4001", async () => {
    const { machineId, device } = await newMachine();
    expect((await directory().revokeToken(secret, device.id, Date.now())).ok).toBe(true);
    expect(await directory().authorizeRoom(device.token, `m-${machineId}`, Date.now())).toEqual({
      ok: false,
      close: 4001,
    });
  });
});

describe("authorizeRoom: machine rooms", () => {
  it("admits a bridge to its machine room and describes the socket", async () => {
    const machineId = newMachineId();
    const bridge = await mint("bridge", machineId);
    const verdict = await directory().authorizeRoom(bridge.token, `m-${machineId}`, Date.now());
    expect(verdict).toEqual({
      ok: true,
      auth: { tokenId: bridge.id, kind: "bridge", role: "bridge", machineId, expiresAt: null },
    });
  });

  it("sends a device 4004 until its bridge has opened the machine room", async () => {
    const machineId = newMachineId();
    const bridge = await mint("bridge", machineId);
    const device = await mint("device", machineId, { ttlSeconds: 3600 });
    const room = `m-${machineId}`;
    expect(await directory().authorizeRoom(device.token, room, Date.now())).toEqual({
      ok: false,
      close: 4004,
    });
    await directory().authorizeRoom(bridge.token, room, Date.now());
    const verdict = await directory().authorizeRoom(device.token, room, Date.now());
    expect(verdict).toEqual({
      ok: true,
      auth: {
        tokenId: device.id,
        kind: "device",
        role: "controller",
        machineId,
        expiresAt: device.expiresAt,
      },
    });
  });

  it("refuses another machine's room with 4403", async () => {
    const a = await newMachine();
    const b = await newMachine();
    expect(await directory().authorizeRoom(a.bridge.token, `m-${b.machineId}`, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
    expect(await directory().authorizeRoom(a.device.token, `m-${b.machineId}`, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
  });
});

describe("authorizeRoom: session rooms", () => {
  it("lets the first bridge claim an unclaimed room; others of its machine may then join", async () => {
    const a = await newMachine();
    const room = newSessionRoom();
    expect(await directory().authorizeRoom(a.device.token, room, Date.now())).toEqual({
      ok: false,
      close: 4004,
    });
    expect((await directory().authorizeRoom(a.bridge.token, room, Date.now())).ok).toBe(true);
    expect((await directory().authorizeRoom(a.device.token, room, Date.now())).ok).toBe(true);
    expect((await directory().authorizeRoom(a.bridge.token, room, Date.now())).ok).toBe(true);
  });

  it("refuses a room claimed by another machine with 4403, also to that machine's bridge", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    expect(await directory().authorizeRoom(b.bridge.token, room, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
    expect(await directory().authorizeRoom(b.device.token, room, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
  });

  it("never lets anyone into a deleted room again (4004)", async () => {
    const a = await newMachine();
    const b = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    expect((await directory().deleteRoom(bearer(a.bridge.token), room, Date.now())).ok).toBe(true);
    for (const token of [a.bridge.token, a.device.token, b.bridge.token]) {
      expect(await directory().authorizeRoom(token, room, Date.now())).toEqual({ ok: false, close: 4004 });
    }
  });

  it("lists a claimed room in the scope of the machine's tokens", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const me = await directory().me(bearer(a.device.token), Date.now());
    expect(me.ok && me.value.rooms).toEqual([`m-${a.machineId}`, room]);
  });
});

describe("authorizeRoom: share tokens", () => {
  it("admits a share token to its one room only", async () => {
    const a = await newMachine();
    const roomA = await claimedRoom(a.bridge.token);
    const roomB = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, roomA);
    const verdict = await directory().authorizeRoom(viewer.token, roomA, Date.now());
    expect(verdict).toEqual({
      ok: true,
      auth: {
        tokenId: viewer.id,
        kind: "share",
        role: "viewer",
        machineId: a.machineId,
        expiresAt: viewer.expiresAt,
      },
    });
    expect(await directory().authorizeRoom(viewer.token, roomB, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
    expect(await directory().authorizeRoom(viewer.token, `m-${a.machineId}`, Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
    expect(await directory().authorizeRoom(viewer.token, newSessionRoom(), Date.now())).toEqual({
      ok: false,
      close: 4403,
    });
  });

  it("gives a controller share the controller role, and 4004 once its room is deleted", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const controller = await share(a.bridge.token, room, "controller");
    const verdict = await directory().authorizeRoom(controller.token, room, Date.now());
    expect(verdict.ok && verdict.auth.role).toBe("controller");
    expect((await call("DELETE", `/api/rooms/${room}`, { bearer: a.bridge.token })).status).toBe(204);
    expect(await directory().authorizeRoom(controller.token, room, Date.now())).toEqual({
      ok: false,
      close: 4004,
    });
  });

  it("expires a share token after its lifetime", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, room);
    const after = await directory().authorizeRoom(viewer.token, room, viewer.expiresAt ?? 0);
    expect(after).toEqual({ ok: false, close: 4001 });
  });
});

describe("RateLimiter", () => {
  it("allows `limit` hits per window and says when to retry", () => {
    const limiter = new RateLimiter(3, 60_000);
    expect([0, 10_000, 20_000].map((t) => limiter.take("k", t).ok)).toEqual([true, true, true]);
    expect(limiter.take("k", 30_000)).toEqual({ ok: false, retryAfterSeconds: 30 });
    expect(limiter.take("other", 30_000)).toEqual({ ok: true });
    expect(limiter.take("k", 60_001)).toEqual({ ok: true });
  });
});
