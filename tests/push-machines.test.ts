import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PushPayload, PushShow, PushStateRes } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { PushService, type Subscription } from "./support/push-service.ts";

// Issue 16: one phone, two machines on one relay, one browser push subscription registered with
// each machine's device token (docs/protocol.md §11.2: the per-machine switch). A prompt on either
// machine pushes to that one subscription, and the notification opens with that machine's keys.
let one: BridgeWorld;
let two: BridgeWorld;
let push: PushService;
let sub: Subscription;

beforeAll(async () => {
  push = await PushService.start();
  one = await BridgeWorld.start({ relayVars: { TETHER_PUSH_ALLOW_HTTP: "1" } });
  two = await BridgeWorld.start({ alongside: one, name: "machine-two" });
  one.startBridge();
  two.startBridge();
  push.expectVapidKey(PushStateRes.parse(await api("GET", one.deviceToken)).publicKey);
  sub = push.subscribe();
  for (const m of [one, two])
    await api("PUT", m.deviceToken, { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } });
}, 120_000);
afterAll(async () => {
  await two?.stop();
  await one?.stop();
  await push?.close();
}, 60_000);

describe("push from every paired machine", () => {
  it("a prompt on each of two machines reaches the phone's one subscription, each opened with its machine's keys", async () => {
    const rooms: { m: BridgeWorld; s: Phone; requestId: string }[] = [];
    for (const m of [one, two]) {
      const s = await m.createSession(await m.machinePhone(), { title: `Push ${m.name}` });
      await s.send("user.message", { text: `go [[write path=${join(m.project, "p.txt")} content=x]]` });
      rooms.push({ m, s, requestId: (await s.wait("permission.request")).requestId });
    }
    for (const { m, s, requestId } of rooms) {
      const got = await until(
        () => push.received(sub.id).find((p) => PushPayload.parse(p.payload).room === s.room) ?? null,
        60_000,
        `a push for ${m.name}'s session`,
      );
      const payload = PushPayload.parse(got.payload);
      expect(payload.class).toBe("prompt");
      expect(await showOf(payload, s, m)).toMatchObject({ title: `Push ${m.name}`, requestId });
    }
  }, 240_000);
});

/** What the notification shows, opened with the keys of the machine whose room sent it (§12.8). */
async function showOf(p: PushPayload, phone: Phone, m: BridgeWorld): Promise<PushShow> {
  const show = await until(
    () => {
      const mid = phone.raw.find((x) => x.seq === p.seq)?.mid ?? null;
      if (mid === null) return null;
      void phone.msgs;
      const opened = m.device.openShow(p.room, mid, p.show);
      return opened.ok ? opened.body : null;
    },
    10_000,
    `the show of push seq ${p.seq}`,
  );
  return PushShow.parse(show);
}

async function api(method: string, token: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${one.relay.url}/api/push`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== 200) throw new Error(`${method} /api/push: ${res.status} ${await res.text()}`);
  return res.json();
}
