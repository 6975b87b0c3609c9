import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DirectoryStore } from "../../relay/directory-store.ts";
import { CreateShareRes, RevokeTokenRes, TokenList } from "../../shared/protocol/index.ts";
import {
  call,
  claimedRoom,
  expectError,
  mint,
  newMachine,
  openSocket,
  SECRET,
  share,
} from "./api-test-kit.ts";

/** A share lives no longer than the token that made it (docs/protocol.md §2.2). */

async function listed(bridgeToken: string) {
  const res = await call("GET", "/api/tokens", { bearer: bridgeToken });
  return TokenList.parse(await res.json()).tokens;
}

async function revoke(id: string, bearer: string) {
  const res = await call("DELETE", `/api/tokens/${id}`, { bearer });
  expect(res.status).toBe(200);
  return RevokeTokenRes.parse(await res.json());
}

describe("shares record their creator", () => {
  it("lists createdBy: the device or bridge token that made the share, null for the relay secret", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const byDevice = await share(a.device.token, room, "controller");
    const byBridge = await share(a.bridge.token, room);
    const bySecret = await share(SECRET, room);
    const tokens = await listed(a.bridge.token);
    const createdBy = (id: string) => tokens.find((t) => t.id === id)?.createdBy;
    expect([createdBy(byDevice.id), createdBy(byBridge.id), createdBy(bySecret.id)]).toEqual([
      a.device.id,
      a.bridge.id,
      null,
    ]);
  });
});

describe("revoking a device revokes its shares", () => {
  it("revokes the device's live shares with it, closes their sockets and names them", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const mine = await share(a.device.token, room, "controller");
    const other = await mint("device", a.machineId);
    const theirs = await share(other.token, room, "controller");
    const bridgeShare = await share(a.bridge.token, room);
    const socket = await openSocket(room, mine.token);
    const answer = await revoke(a.device.id, a.bridge.token);
    expect(answer).toEqual({ id: a.device.id, shares: [mine.id] });
    expect(await socket.closed).toBe(4001);
    await expectError(await call("GET", "/api/me", { bearer: mine.token }), 401, "unauthorized");
    for (const alive of [theirs, bridgeShare]) {
      expect((await call("GET", "/api/me", { bearer: alive.token })).status).toBe(200);
    }
    const again = await revoke(a.device.id, a.bridge.token);
    expect(again).toEqual({ id: a.device.id, shares: [] });
  });

  it("answers an empty list for a share or a device without shares", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const viewer = await share(a.bridge.token, room);
    expect(await revoke(viewer.id, a.bridge.token)).toEqual({ id: viewer.id, shares: [] });
    expect(await revoke(a.device.id, SECRET)).toEqual({ id: a.device.id, shares: [] });
  });
});

describe("a share expires no later than its creator", () => {
  it("clamps a 30-day share of a 60 s device to the device's expiry", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const shortLived = await mint("device", a.machineId, { ttlSeconds: 60 });
    const body = { room, role: "controller", ttlSeconds: 30 * 24 * 3600 };
    const res = await call("POST", "/api/shares", { bearer: shortLived.token, body });
    expect(res.status).toBe(201);
    const created = CreateShareRes.parse(await res.json());
    expect(created.expiresAt).toBe(shortLived.expiresAt);
    const listedShare = (await listed(a.bridge.token)).find((t) => t.id === created.id);
    expect(listedShare?.expiresAt).toBe(shortLived.expiresAt);
  });

  it("keeps the asked lifetime when the creator outlives it", async () => {
    const a = await newMachine();
    const room = await claimedRoom(a.bridge.token);
    const device = await mint("device", a.machineId, { ttlSeconds: 3600 });
    const body = { room, role: "viewer", ttlSeconds: 600 };
    const res = await call("POST", "/api/shares", { bearer: device.token, body });
    const created = CreateShareRes.parse(await res.json());
    expect(created.expiresAt).toBeLessThan(device.expiresAt ?? 0);
    expect(created.expiresAt).toBeGreaterThan(Date.now() + 590_000);
  });
});

describe("the Directory's migration", () => {
  it("adds created_by to a tokens table of the previous schema, keeping its rows", async () => {
    const stub = env.DIRECTORY.getByName("legacy-schema");
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE tokens");
      sql.exec(`CREATE TABLE tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, role TEXT NOT NULL,
        machine_id TEXT NOT NULL, rooms TEXT NOT NULL, label TEXT, created_at INTEGER NOT NULL,
        expires_at INTEGER, revoked_at INTEGER)`);
      sql.exec(
        `INSERT INTO tokens VALUES ('tk_old', 'h-old', 'share', 'viewer', 'mcOldMachine', '["s-x"]', NULL, 1, 2, NULL)`,
      );
      const store = new DirectoryStore(sql);
      expect(store.tokenById("tk_old")?.createdBy).toBeNull();
      const fresh = {
        id: "tk_new",
        hash: "h-new",
        kind: "share" as const,
        role: "viewer" as const,
        machineId: "mcOldMachine",
        rooms: ["s-x"],
        label: null,
        createdAt: 3,
        expiresAt: 4,
        revokedAt: null,
        createdBy: "tk_device",
      };
      store.insertToken(fresh);
      expect(store.tokenById("tk_new")?.createdBy).toBe("tk_device");
      expect(new DirectoryStore(sql).tokenById("tk_old")?.id).toBe("tk_old");
    });
  });
});

describe("labels refuse control characters", () => {
  it("answers 400 for an ESC or BEL in a token, pairing or pair label", async () => {
    const a = await newMachine();
    const osc52 = "\u001b]52;c;ZWNobyBoaQ==\u0007";
    const mintRes = await call("POST", "/api/tokens", {
      bearer: SECRET,
      body: { kind: "device", machineId: a.machineId, label: `phone${osc52}` },
    });
    await expectError(mintRes, 400, "bad_request");
    const pairing = await call("POST", "/api/pairings", { bearer: a.bridge.token, body: { label: osc52 } });
    await expectError(pairing, 400, "bad_request");
    const pair = await call("POST", "/api/pair", { body: { code: "whatever-code", label: "a\nb" } });
    await expectError(pair, 400, "bad_request");
    const fine = await call("POST", "/api/tokens", {
      bearer: SECRET,
      body: { kind: "device", machineId: a.machineId, label: "Ana's phone · 📱" },
    });
    expect(fine.status).toBe(201);
  });
});
