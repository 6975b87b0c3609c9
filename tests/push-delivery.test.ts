import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CountersRes } from "../bridge/control/control-api.ts";
import {
  PushPayload,
  PushShow,
  PushStateRes,
  PushStatsRes,
  type PushSubscribeReq,
} from "../shared/protocol/index.ts";
import { bridgeStatus } from "./support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { type Push, PushService, type Subscription } from "./support/push-service.ts";
import { mintToken } from "./support/relay-process.ts";

// Web Push end to end (docs/protocol.md §11): the real bridge and Claude CLI, the relay in workerd,
// and the push-service stand-in, which checks every VAPID JWT and decrypts every payload.
let w: BridgeWorld;
let push: PushService;
let machine: Phone;
const WILL_GRACE_MS = 3_000;

type Device = { token: string; sub: Subscription };
const devices: Record<"a" | "b" | "revoked" | "gone" | "other", Device> = {} as never;

beforeAll(async () => {
  push = await PushService.start();
  w = await BridgeWorld.start({
    relayVars: { TETHER_PUSH_ALLOW_HTTP: "1", TETHER_PUSH_WILL_GRACE_MS: String(WILL_GRACE_MS) },
  });
  w.startBridge();
  const key = PushStateRes.parse(await api("GET", w.deviceToken)).publicKey;
  push.expectVapidKey(key);
  const other = (await mintToken(w.relay, "device", "mcanothermachine")).token;
  const tokens = {
    a: w.deviceToken,
    b: (await mintToken(w.relay, "device", w.machineId)).token,
    revoked: (await mintToken(w.relay, "device", w.machineId)).token,
    gone: (await mintToken(w.relay, "device", w.machineId)).token,
    other,
  };
  for (const [name, token] of Object.entries(tokens)) {
    const sub = push.subscribe();
    await subscribe(token, sub, name === "b" ? { turns: "all" } : {});
    devices[name as keyof typeof devices] = { token, sub };
  }
  machine = await w.machinePhone();
}, 120_000);
afterAll(async () => {
  await w?.stop();
  await push?.close();
}, 60_000);

describe("Web Push from the room that stored the event", () => {
  it("a prompt pushes once to each subscribed device of the machine; none to a revoked one or another machine", async () => {
    const me = await fetch(`${w.relay.url}/api/me`, {
      headers: { authorization: `Bearer ${devices.revoked.token}` },
    });
    const revokedId = ((await me.json()) as { id: string }).id;
    const del = await fetch(`${w.relay.url}/api/tokens/${revokedId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${w.bridgeToken}` },
    });
    expect(del.status).toBe(200);
    push.answer(devices.gone.sub.id, 410);

    const s = await w.createSession(machine, { title: "Push me" });
    const input = await s.send("user.message", {
      text: `go [[write path=${join(w.project, "p.txt")} content=x]]`,
    });
    const req = await s.wait("permission.request");
    const [a, b] = await Promise.all([nextIn(devices.a, s.room), nextIn(devices.b, s.room)]);
    for (const got of [a, b]) {
      const p = PushPayload.parse(got.payload);
      expect(p).toMatchObject({ v: 1, room: s.room, class: "prompt" });
      expect(await showOf(p, s)).toEqual({
        title: "Push me",
        body: `Allow Write: ${join(w.project, "p.txt")}?`,
        tag: s.room,
        requestId: req.requestId,
      });
      expect(got).toMatchObject({ ttl: 86_400, urgency: "high" });
      expect(got.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    }
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    await s.wait("turn.result", (t) => t.inputMid === input);
    const resolved = PushPayload.parse((await nextIn(devices.a, s.room)).payload);
    expect(resolved.class).toBe("resolved");
    expect(await showOf(resolved, s)).toMatchObject({ requestId: req.requestId, closes: true });
    // b hears of every finished turn, a only of those over a minute: b's turn push comes after the
    // resolved one, and a's next push is the barrier's.
    expect(PushPayload.parse((await nextIn(devices.b, s.room)).payload).class).toBe("resolved");
    expect(PushPayload.parse((await nextIn(devices.b, s.room)).payload)).toMatchObject({ class: "turn" });
    await barrier(s);

    expect(kinds(push.received(devices.a.sub.id))).toEqual(["prompt", "resolved", "prompt", "resolved"]);
    expect(push.received(devices.revoked.sub.id)).toEqual([]);
    expect(push.received(devices.other.sub.id)).toEqual([]);
    expect(push.attempts(devices.gone.sub.id).map((p) => p.status)).toEqual([410]);
    expect(PushStateRes.parse(await api("GET", devices.gone.token)).subscription).toBeNull();
    expect(push.rejections).toEqual([]);
  }, 180_000);

  it("a push service that fails is tried again; the subscription counts what was sent", async () => {
    const before = PushStateRes.parse(await api("GET", devices.a.token)).subscription!;
    push.answer(devices.a.sub.id, 503, { times: 1 });
    const s = await w.createSession(machine, { title: "Retry" });
    await s.send("user.message", { text: `go [[write path=${join(w.project, "r.txt")} content=x]]` });
    const req = await s.wait("permission.request");
    const got = PushPayload.parse((await nextIn(devices.a, s.room, { timeoutMs: 30_000 })).payload);
    expect(got).toMatchObject({ class: "prompt", room: s.room });
    const tries = push.attempts(devices.a.sub.id).filter((p) => PushPayload.parse(p.payload).room === s.room);
    expect(tries.map((p) => p.status)).toEqual([503, 201]);
    // The first backoff step is 2 s.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1_900);
    const after = await until(
      async () => {
        const now = PushStateRes.parse(await api("GET", devices.a.token)).subscription!;
        return now.sent > before.sent ? now : null;
      },
      10_000,
      "the sent count",
    );
    expect(after).toMatchObject({
      sent: before.sent + 1,
      retries: before.retries + 1,
      failed: before.failed,
    });
    expect(after.lastError).toBe("push service answered 503");
    await s.send("permission.response", { requestId: req.requestId, decision: "deny" });
  }, 120_000);

  it("nothing is pushed while a focused page shows the session; the answer's resolved push still goes", async () => {
    const s = await w.createSession(machine, { title: "Watched" });
    s.client.focus(true);
    await s.send("user.message", { text: `go [[write path=${join(w.project, "f.txt")} content=x]]` });
    const req = await s.wait("permission.request");
    await s.send("permission.response", { requestId: req.requestId, decision: "deny" });
    const next = PushPayload.parse((await nextIn(devices.a, s.room)).payload);
    expect(next).toMatchObject({ class: "resolved", room: s.room });
    s.client.focus(false);
  }, 120_000);

  it("the bridge's counters show what the relay's pushes for its machine came to, a 410 among the failed", async () => {
    // What the stand-in answered this machine's subscriptions (the other machine's are not counted).
    const truth = () => {
      const tries = (["a", "b", "revoked", "gone"] as const).flatMap((d) => push.attempts(devices[d].sub.id));
      const n = (f: (s: number) => boolean) => tries.filter((p) => f(p.status)).length;
      return {
        pushesSent: n((s) => s >= 200 && s < 300),
        pushesFailed: n((s) => s === 404 || s === 410),
        pushesRetried: n((s) => s === 503),
      };
    };
    // The relay's own totals first (the bridge asks for them at most every 2 s when asked itself).
    await until(
      async () => {
        const res = await fetch(`${w.relay.url}/api/push/stats`, {
          headers: { authorization: `Bearer ${w.bridgeToken}` },
        });
        const s = PushStatsRes.parse(await res.json());
        const want = truth();
        const same = s.sent === want.pushesSent && s.failed + s.gone === want.pushesFailed;
        return same && s.retried === want.pushesRetried ? s : null;
      },
      20_000,
      () => `the relay's push totals to match ${JSON.stringify(truth())}`,
    );
    const counters = await until(
      async () => {
        const c = await bridgeCounters();
        const want = truth();
        const got = {
          pushesSent: c.sinceInstall.pushesSent,
          pushesFailed: c.sinceInstall.pushesFailed,
          pushesRetried: c.sinceInstall.pushesRetried,
        };
        return JSON.stringify(got) === JSON.stringify(want) ? c : null;
      },
      20_000,
      () => `the bridge's push counters to match ${JSON.stringify(truth())}`,
    );
    // The earlier tests: one 410 (device "gone"), one 503 then 201 (device a), the rest taken.
    expect(counters.sinceInstall.pushesFailed).toBe(1);
    expect(counters.sinceInstall.pushesRetried).toBe(1);
    expect(counters.sinceInstall.pushesSent).toBeGreaterThanOrEqual(8);
    // tether status names the relay's last push error: the stand-in's last refusal, in time order.
    const refused = (["a", "b", "revoked", "gone"] as const)
      .flatMap((d) => push.attempts(devices[d].sub.id))
      .filter((p) => p.status >= 400)
      .sort((x, y) => x.at - y.at)
      .at(-1);
    const words =
      refused?.status === 410
        ? "push service answered 410: gone"
        : `push service answered ${refused?.status}`;
    const status = await bridgeStatus(w);
    expect(status.pushes?.lastError).toBe(words);
    expect(status.pushes?.lastAt).toBeGreaterThanOrEqual(refused?.at ?? Number.POSITIVE_INFINITY);
    // This bridge read the relay's totals before the first push of this world.
    expect(counters.sinceStart).toMatchObject({
      pushesSent: counters.sinceInstall.pushesSent,
      pushesFailed: 1,
      pushesRetried: 1,
    });
  }, 60_000);

  it("a will: the bridge vanishing mid-turn is pushed once it stayed away", async () => {
    const s = await w.createSession(machine, { title: "Will" });
    await s.send("user.message", { text: `go [[write path=${join(w.project, "w.txt")} content=x]]` });
    await s.wait("permission.request");
    await nextIn(devices.a, s.room);
    const killedAt = Date.now();
    await w.bridge!.kill("SIGKILL");
    const will = PushPayload.parse((await nextIn(devices.a, s.room, { timeoutMs: 90_000 })).payload);
    expect(will).toMatchObject({ class: "offline", room: s.room, seq: 0 });
    expect((await showOf(will, s)).body).toBe("The bridge went offline while Claude was working.");
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(WILL_GRACE_MS);
  }, 150_000);
});

/** `GET /v1/counters` of the running bridge's control API, as `tether status --json` reads it. */
async function bridgeCounters(): Promise<CountersRes> {
  const control = JSON.parse(readFileSync(join(w.stateDir, "control.json"), "utf8"));
  const res = await fetch(`http://127.0.0.1:${control.port}/v1/counters`, {
    headers: { authorization: `Bearer ${control.secret}` },
  });
  return CountersRes.parse(await res.json());
}

/** The device's next push from `room` (pushes from earlier tests' rooms are passed over). */
async function nextIn(d: Device, room: string, o: { timeoutMs?: number } = {}): Promise<Push> {
  for (;;) {
    const got = await push.next(d.sub.id, o);
    if (PushPayload.parse(got.payload).room === room) return got;
  }
}

/** Another prompt: once it reached device a, every push before it has gone out. */
async function barrier(prev: Phone): Promise<void> {
  await prev.send("user.message", { text: `again [[write path=${join(w.project, "b.txt")} content=x]]` });
  const req = await prev.wait(
    "permission.request",
    (r) => !prev.bodies("permission.resolved").some((x) => x.requestId === r.requestId),
  );
  await until(
    () => push.received(devices.a.sub.id).find((p) => isPromptFor(p, req.requestId, prev)) ?? null,
    30_000,
    "the barrier's push",
  );
  await prev.send("permission.response", { requestId: req.requestId, decision: "deny" });
  // Its resolved push too: nothing of this room is still on its way when the next test begins.
  const resolved = (p: Push) =>
    isPromptFor(p, req.requestId, prev) && PushPayload.parse(p.payload).class === "resolved";
  await until(
    () => push.received(devices.a.sub.id).find(resolved) ?? null,
    30_000,
    "the barrier's resolved push",
  );
}

function isPromptFor(p: Push, requestId: string, phone: Phone): boolean {
  const payload = PushPayload.safeParse(p.payload);
  return payload.success && PushShow.safeParse(openShow(payload.data, phone)).data?.requestId === requestId;
}

/**
 * What a notification shows: the relay and the push service carry it sealed (docs/protocol.md
 * §12.8); the device opens it with the room's key, under the mid of the message at `seq`.
 */
function openShow(p: PushPayload, phone: Phone): unknown {
  const mid = p.seq === 0 ? null : (phone.raw.find((m) => m.seq === p.seq)?.mid ?? null);
  if (p.seq !== 0 && mid === null) return null;
  void phone.msgs;
  const opened = w.device.openShow(p.room, mid, p.show);
  return opened.ok ? opened.body : null;
}

async function showOf(p: PushPayload, phone: Phone): Promise<PushShow> {
  const show = await until(() => openShow(p, phone), 10_000, `the show of push seq ${p.seq}`);
  return PushShow.parse(show);
}

function kinds(pushes: Push[]): string[] {
  return pushes.map((p) => PushPayload.parse(p.payload).class);
}

async function subscribe(token: string, sub: Subscription, extra: Partial<PushSubscribeReq>): Promise<void> {
  const body = { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth }, ...extra };
  PushStateRes.parse(await api("PUT", token, body));
}

async function api(method: string, token: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${w.relay.url}/api/push`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== 200) throw new Error(`${method} /api/push: ${res.status} ${await res.text()}`);
  return res.json();
}
