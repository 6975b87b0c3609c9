import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeysGrant } from "../shared/protocol/e2e.ts";
import type { StoredMsg } from "../shared/protocol/index.ts";
import { until } from "./support/bridge-world.ts";
import { enrollDevice, pairDevice } from "./support/phone-pairing.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";
import { WireClient } from "./support/wire-client.ts";

/**
 * Revocation and rotation (docs/protocol.md §12.7): a second device pairs and reads a session,
 * then is revoked (relay DELETE /api/tokens/:id, then `keys.reconcile` from the remaining phone).
 * Holding every key it ever had, the socket it opened before, and the room's whole stored log,
 * it opens nothing sent after the rotation; the remaining phone reads all of it.
 */
const ctx = useBridgeWorld();

describe("a revoked device", () => {
  it("keeps what it had but opens nothing sealed after the rotation", async () => {
    const { w, machine } = ctx;
    const s = await w.createSession(machine, { title: "before" });
    const before = await s.send("user.message", { text: "before revocation" });
    await s.wait("turn.result", (t) => t.inputMid === before, 60_000);

    const second = await pairDevice({ relayUrl: w.relay.url, token: w.bridgeToken }, w.stateDir);
    const eve = second.device;
    await enrollDevice({
      wsUrl: w.relay.wsUrl,
      machineRoom: `m-${w.machineId}`,
      token: second.token,
      device: eve,
      ...second.pairing,
    });
    // Eve's socket in the session room, opened before the revocation: it captures what it can.
    const captured: StoredMsg[] = [];
    const sock = await WireClient.open(w.relay.wsUrl, s.room, second.token, {
      onMsg: (m) => captured.push(m),
    });
    await sock.hello({ cid: `ev${randomBytes(6).toString("base64url")}`, since: 0 });
    const { k: first } = await until(
      () => {
        for (const m of captured) if (m.kind === "keys.grant") eve.takeGrant(s.room, m.body);
        return eve.newest(s.room);
      },
      30_000,
      "the session room's key for the second device",
    );
    const opensForEve = (m: StoredMsg) => eve.open({ room: s.room, kind: m.kind, mid: m.mid }, m.body).ok;
    expect(captured.filter((m) => m.kind === "agent.message").every(opensForEve)).toBe(true);

    const del = await fetch(`${w.relay.url}/api/tokens/${eve.tokenId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${w.bridgeToken}` },
    });
    expect(del.status).toBe(200);
    expect((await sock.closed).code).toBe(4001);
    await machine.send("keys.reconcile", {});
    // The rotation: the room's next generation, granted to the remaining device only.
    const grant2 = await until(
      () =>
        s.raw.find(
          (m) => m.kind === "keys.grant" && KeysGrant.parse(m.body).keys.some((k) => k.k === first + 1),
        ) ?? null,
      30_000,
      "a grant of the next generation",
    );
    expect(KeysGrant.parse(grant2.body).keys.map((k) => k.to)).toEqual([w.device.id]);
    const rotatedAt = grant2.seq;

    const after = await s.send("user.message", { text: "after revocation: the secret plan" });
    await s.wait("turn.result", (t) => t.inputMid === after, 60_000);
    const later = s.raw.filter((m) => m.seq > rotatedAt && m.kind !== "keys.grant");
    expect(later.length).toBeGreaterThan(3);
    // The remaining phone reads everything; the whole stored log gives Eve nothing after the rotation.
    expect(s.bodies("agent.message").some((b) => JSON.stringify(b).includes("the secret plan"))).toBe(true);
    const log = await readLog(w.relay.wsUrl, s.room, w.deviceToken);
    for (const m of log.filter((x) => x.seq > rotatedAt && x.kind !== "keys.grant")) {
      expect(opensForEve(m), `${m.kind} seq ${m.seq}`).toBe(false);
      eve.takeGrant(s.room, m.body);
    }
    for (const m of log.filter((x) => x.kind === "keys.grant")) eve.takeGrant(s.room, m.body);
    // Eve holds the first generation only (the keyring draws it when it is made, §12.2).
    expect(eve.key(s.room, first + 1)).toBeNull();
    expect(eve.held.every((h) => h.k === first)).toBe(true);
    // The machine room rotated too.
    const mlog = await readLog(w.relay.wsUrl, `m-${w.machineId}`, w.deviceToken);
    for (const m of mlog) if (m.kind === "keys.grant") eve.takeGrant(`m-${w.machineId}`, m.body);
    expect(eve.key(`m-${w.machineId}`, first + 1)).toBeNull();
    await until(
      () => (machine.msgs.length > 0 ? w.device.key(`m-${w.machineId}`, first + 1) : null),
      30_000,
      "the machine room's second generation",
    );
  }, 180_000);
});

describe("a device paired later", () => {
  it("reads every session's history, an ended one's too (its room opens again for the grant)", async () => {
    const { w, machine } = ctx;
    const s = await w.createSession(machine, { title: "ended before" });
    const said = await s.send("user.message", { text: "old history" });
    await s.wait("turn.result", (t) => t.inputMid === said, 60_000);
    await machine.send("machine.end_session", { room: s.room });
    await s.wait("session.status", (b) => b.state === "ended");
    // A restarted bridge does not open an ended session's room by itself.
    const infos = machine.of("machine.info").length;
    await w.bridge?.kill("SIGTERM");
    w.startBridge();
    await until(() => (machine.of("machine.info").length > infos ? true : null), 60_000, "the bridge back");

    const late = await pairDevice({ relayUrl: w.relay.url, token: w.bridgeToken }, w.stateDir);
    const enroll = { wsUrl: w.relay.wsUrl, machineRoom: `m-${w.machineId}`, token: late.token };
    await enrollDevice({ ...enroll, device: late.device, ...late.pairing });
    const history = await until(
      async () => {
        const log = await readLog(w.relay.wsUrl, s.room, late.token);
        for (const m of log) if (m.kind === "keys.grant") late.device.takeGrant(s.room, m.body);
        const answers = log.filter((m) => m.kind === "agent.message");
        const opened = answers.map((m) =>
          late.device.open({ room: s.room, kind: m.kind, mid: m.mid }, m.body),
        );
        return opened.length > 0 && opened.every((o) => o.ok) ? opened : null;
      },
      30_000,
      "the ended session's history for the new device",
    );
    expect(JSON.stringify(history)).toContain("old history");
  }, 180_000);
});

/** The room's whole stored log, as raw storage would give it. */
async function readLog(wsUrl: string, room: string, token: string): Promise<StoredMsg[]> {
  const items: StoredMsg[] = [];
  const c = await WireClient.open(wsUrl, room, token, { onMsg: (m) => items.push(m) });
  try {
    await c.hello({ cid: `rd${randomBytes(6).toString("base64url")}`, since: 0 });
    await c.untilCaughtUp();
    return items;
  } finally {
    await c.close();
  }
}
