// Web Push latency: from a permission.request stored in its room to the push request arriving at a
// push service (the stand-in on loopback, which checks the VAPID JWT and decrypts every payload),
// and what a hint costs the sender's ack, side by side with the same message without a hint.
// Run: npm run bench:push   (prints JSON, writes bench/results/push.json)
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PushPayload } from "../shared/protocol/index.ts";
import { PushService } from "../tests/support/push-service.ts";
import { mintToken, startRelay } from "../tests/support/relay-process.ts";
import { WireClient } from "../tests/support/wire-client.ts";
import { machine } from "./support/report.ts";
import { percentile, round } from "./support/stats.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WARMUP = 20;
const SAMPLES = 300;
const MACHINE = "benchpush01";

const push = await PushService.start();
const relay = await startRelay({ vars: { TETHER_PUSH_ALLOW_HTTP: "1" } });
try {
  const bridge = (await mintToken(relay, "bridge", MACHINE)).token;
  const device = (await mintToken(relay, "device", MACHINE)).token;
  const sub = push.subscribe();
  const state = await api(relay.url, device, "PUT", {
    endpoint: sub.endpoint,
    keys: { p256dh: sub.p256dh, auth: sub.auth },
  });
  push.expectVapidKey(state.publicKey);
  const room = `s-${randomBytes(16).toString("base64url")}`;
  const client = await WireClient.open(relay.wsUrl, room, bridge, {});
  await client.hello({ cid: "benchbridge01", epoch: 1, since: null, tail: 0 });
  const pushed: number[] = [];
  const ackWith: number[] = [];
  const ackWithout: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const plain = await timedSend(client, false);
    const started = await timedSend(client, true);
    const got = await push.next(sub.id, { timeoutMs: 30_000 });
    const payload = PushPayload.parse(got.payload);
    if (i < WARMUP) continue;
    ackWithout.push(plain);
    ackWith.push(started);
    pushed.push(got.at - payload.at);
  }
  const stats = (xs: number[]) => ({
    p50: round(percentile(xs, 50), 1),
    p99: round(percentile(xs, 99), 1),
    n: xs.length,
  });
  const report = {
    bench: "push",
    at: new Date().toISOString(),
    machine: machine(),
    method:
      "One session room on the relay under wrangler dev (workerd), one device subscribed through a push-service stand-in on loopback that verifies and decrypts each push. Each round sends a message without a hint, then a permission.request with a prompt hint, and waits for its push. `storedToPushMs`: the stand-in's receipt time minus the stored message's `ts` (same host clock). `ackMs`: send frame to `acked`, with and without a hint.",
    storedToPushMs: stats(pushed),
    ackMs: { withHint: stats(ackWith), withoutHint: stats(ackWithout) },
    rejections: push.rejections.length,
  };
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "push.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  await client.close();
} finally {
  await relay.dispose();
  await push.close();
}

async function timedSend(client: WireClient, hint: boolean): Promise<number> {
  const mid = randomBytes(12).toString("base64url");
  const show = { title: "Bench", body: "Allow Bash: ls?", tag: "bench", requestId: `pr_${mid}` };
  const msg = hint
    ? {
        mid,
        kind: "permission.request",
        body: { requestId: `pr_${mid}` },
        push: { notify: { class: "prompt" as const, show } },
      }
    : { mid, kind: "agent.message", body: { text: "x" } };
  const t0 = performance.now();
  const r = await client.send([msg]);
  if (r.status !== "acked") throw new Error(`send failed: ${JSON.stringify(r)}`);
  return performance.now() - t0;
}

async function api(
  origin: string,
  token: string,
  method: string,
  body: unknown,
): Promise<{ publicKey: string }> {
  const res = await fetch(`${origin}/api/push`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} /api/push: ${res.status} ${await res.text()}`);
  return (await res.json()) as { publicKey: string };
}
