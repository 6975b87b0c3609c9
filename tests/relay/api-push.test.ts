import { describe, expect, it } from "vitest";
import { PushStateRes, PushStatsRes } from "../../shared/protocol/index.ts";
import {
  call,
  claimedRoom,
  directory,
  expectError,
  mint,
  newMachine,
  SECRET,
  share,
} from "./api-test-kit.ts";

/** The push subscription API (docs/protocol.md §11.2), in workerd. */

const KEYS = { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) };
const sub = (n: number) => ({ endpoint: `https://push.example/${n}`, keys: KEYS });

describe("push subscriptions", () => {
  it("a device token subscribes, reads and replaces its one subscription; the key stays the same", async () => {
    const { device } = await newMachine();
    const empty = PushStateRes.parse(await (await call("GET", "/api/push", { bearer: device.token })).json());
    expect(empty.subscription).toBeNull();
    expect(empty.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const put = await call("PUT", "/api/push", {
      bearer: device.token,
      body: { ...sub(1), turns: "all", muted: [] },
    });
    expect(put.status).toBe(200);
    const state = PushStateRes.parse(await put.json());
    expect(state).toMatchObject({
      publicKey: empty.publicKey,
      subscription: { endpoint: sub(1).endpoint, turns: "all", longTurnSeconds: 60, sent: 0 },
    });
    await call("PUT", "/api/push", { bearer: device.token, body: sub(2) });
    const again = PushStateRes.parse(await (await call("GET", "/api/push", { bearer: device.token })).json());
    expect(again.subscription).toMatchObject({ endpoint: sub(2).endpoint, turns: "long" });
    expect((await call("DELETE", "/api/push", { bearer: device.token })).status).toBe(204);
    const gone = PushStateRes.parse(await (await call("GET", "/api/push", { bearer: device.token })).json());
    expect(gone.subscription).toBeNull();
  });

  it("bridge, share and secret bearers may not subscribe; a bad body or a plain-http endpoint is 400", async () => {
    const { bridge, device } = await newMachine();
    const room = await claimedRoom(bridge.token);
    const link = await share(bridge.token, room, "controller");
    for (const bearer of [bridge.token, link.token, SECRET]) {
      await expectError(await call("PUT", "/api/push", { bearer, body: sub(3) }), 403, "forbidden");
    }
    await expectError(await call("GET", "/api/push", {}), 401, "unauthorized");
    const http = { ...sub(4), endpoint: "http://127.0.0.1:9/push" };
    await expectError(
      await call("PUT", "/api/push", { bearer: device.token, body: http }),
      400,
      "bad_request",
    );
    const badKey = { ...sub(5), keys: { p256dh: "not base64url!", auth: KEYS.auth } };
    await expectError(
      await call("PUT", "/api/push", { bearer: device.token, body: badKey }),
      400,
      "bad_request",
    );
  });

  it("a subscription dies with its token, and a push plan names only live device tokens of the room's machine", async () => {
    const { machineId, bridge, device } = await newMachine();
    const second = await mint("device", machineId);
    const other = await newMachine();
    for (const t of [device, second, other.device]) {
      expect((await call("PUT", "/api/push", { bearer: t.token, body: sub(6) })).status).toBe(200);
    }
    const room = await claimedRoom(bridge.token);
    const plan = await directory().pushPlan(room, Date.now());
    expect(plan!.targets.map((t) => t.tokenId).sort()).toEqual([device.id, second.id].sort());
    expect((await call("DELETE", `/api/tokens/${second.id}`, { bearer: bridge.token })).status).toBe(200);
    const after = await directory().pushPlan(room, Date.now());
    expect(after!.targets.map((t) => t.tokenId)).toEqual([device.id]);
    // A 410 from the push service removes it; a later endpoint of the same token is not touched by an old answer.
    await directory().pushOutcome(device.id, "https://push.example/other", "gone", null);
    expect((await directory().pushPlan(room, Date.now()))!.targets).toHaveLength(1);
    await directory().pushOutcome(device.id, sub(6).endpoint, "gone", null);
    expect((await directory().pushPlan(room, Date.now()))!.targets).toEqual([]);
    expect(await directory().pushPlan("s-AAAAAAAAAAAAAAAAAAAAAA", Date.now())).toBeNull();
  });
});

describe("a machine's push totals", () => {
  const stats = async (bearer: string) => {
    const res = await call("GET", "/api/push/stats", { bearer });
    expect(res.status).toBe(200);
    return PushStatsRes.parse(await res.json());
  };

  it("count every outcome per machine, keep a bounded last error, and outlive a subscription a 410 removed", async () => {
    const { bridge, device } = await newMachine();
    const other = await newMachine();
    expect(await stats(bridge.token)).toEqual({
      sent: 0,
      failed: 0,
      retried: 0,
      gone: 0,
      lastError: null,
      lastAt: null,
    });
    expect((await call("PUT", "/api/push", { bearer: device.token, body: sub(8) })).status).toBe(200);
    const endpoint = sub(8).endpoint;
    const before = Date.now();
    await directory().pushOutcome(device.id, endpoint, "sent", null);
    await directory().pushOutcome(device.id, endpoint, "retried", "push service answered 503");
    await directory().pushOutcome(device.id, endpoint, "sent", null);
    await directory().pushOutcome(device.id, endpoint, "failed", `hostile ${"x".repeat(100_000)}`);
    const mid = await stats(bridge.token);
    expect(mid).toMatchObject({ sent: 2, failed: 1, retried: 1, gone: 0 });
    expect(mid.lastError).toBe(`hostile ${"x".repeat(192)}`);
    expect(mid.lastAt).toBeGreaterThanOrEqual(before);

    await directory().pushOutcome(device.id, endpoint, "gone", "push service answered 410: gone");
    const pushState = await call("GET", "/api/push", { bearer: device.token });
    expect(PushStateRes.parse(await pushState.json()).subscription).toBeNull();
    expect(await stats(bridge.token)).toMatchObject({
      sent: 2,
      failed: 1,
      retried: 1,
      gone: 1,
      lastError: "push service answered 410: gone",
    });
    // A new subscription of the same device adds to the same totals; another machine's stay apart.
    expect((await call("PUT", "/api/push", { bearer: device.token, body: sub(9) })).status).toBe(200);
    await directory().pushOutcome(device.id, sub(9).endpoint, "sent", null);
    expect(await stats(bridge.token)).toMatchObject({ sent: 3, gone: 1 });
    expect(await stats(other.bridge.token)).toMatchObject({ sent: 0, failed: 0, gone: 0, lastAt: null });
  });

  it("only the machine's bridge token reads them: device, share and secret 403, no or a bad bearer 401", async () => {
    const { bridge, device } = await newMachine();
    const room = await claimedRoom(bridge.token);
    const link = await share(bridge.token, room, "controller");
    for (const bearer of [device.token, link.token, SECRET]) {
      await expectError(await call("GET", "/api/push/stats", { bearer }), 403, "forbidden");
    }
    await expectError(await call("GET", "/api/push/stats", {}), 401, "unauthorized");
    await expectError(await call("GET", "/api/push/stats", { bearer: "tk_nope" }), 401, "unauthorized");
    expect((await call("DELETE", `/api/tokens/${bridge.id}`, { bearer: SECRET })).status).toBe(200);
    await expectError(await call("GET", "/api/push/stats", { bearer: bridge.token }), 401, "unauthorized");
  });
});
