import type { BrowserPhone } from "./browser-phone.ts";
import { msgDigest, runDigest } from "./digest.ts";
import type { History } from "./history.ts";
import type { ChaosWorld } from "./world.ts";

/** How long the runner waits for stragglers before it records them as not converged. */
const GIVE_UP_MS = 90_000;

export type Convergence = {
  head: number;
  drained: boolean;
  reached: boolean;
  slowestMs: number;
  /** Who was still short of the head (or of an empty outbox) when the runner gave up waiting. */
  stragglers: string[];
};

/**
 * The faults stop: every proxy heals, the browser's network comes back (its `online` event), and
 * the senders' outboxes drain. Then the head is fixed, every receiver must reach it, and the storm
 * pool comes back one last time. Each receiver gets a `converged` event with the time it took,
 * counted from the moment the faults stopped; the checker holds it to the limit.
 */
export async function converge(world: ChaosWorld, h: History): Promise<Convergence> {
  const stop = h.add("nemesis", {
    op: "fault",
    kind: "stop",
    target: "all",
    detail: "faults stop",
    tookMs: 0,
    outcome: "ok",
  });
  for (const p of world.proxies.values()) p.heal();
  const phone = world.browserPhone;
  if (phone) await h.waits.on("runner", "the browser to come online", phone.online());
  const writers = [world.bridge, ...world.phones];
  const drained = () => writers.every((a) => a.child?.outbox === 0) && (phone?.pending.size ?? 0) === 0;
  const isDrained = await h.until(drained, GIVE_UP_MS, "the outboxes to drain").then(
    () => true,
    () => false,
  );
  const head = await h.waits.on("runner", "the room's head", world.head());
  const caughtUp = () =>
    writers.every((a) => a.child?.lastApplied === head) && (!phone || phone.cursor === head);
  // Stragglers are not an error here: each receiver's converged event records where it got to.
  const reached = await h.until(caughtUp, GIVE_UP_MS, "every client to reach the head").then(
    () => true,
    () => false,
  );
  const stragglers = isDrained && reached ? [] : behind(world, head);
  if (stragglers.length > 0) console.log(`chaos: gave up waiting for ${stragglers.join("; ")}`);
  if (phone) await h.waits.on("runner", "the browser's mirror", recordMirror(h, phone));
  await h.waits.on("runner", "the last storm", world.storm.storm());

  const cursors = new Map<string, number | null>(writers.map((a) => [a.name, a.child?.lastApplied ?? null]));
  if (phone) cursors.set(phone.name, phone.cursor);
  for (const c of world.storm.clients) cursors.set(c.actor, c.cursor);
  const lastApply = new Map<string, number>();
  for (const e of h.events) if (e.op === "apply" && cursors.has(e.actor)) lastApply.set(e.actor, e.at);
  let slowestMs = 0;
  for (const [actor, cursor] of cursors) {
    const elapsedMs = Math.max(0, (lastApply.get(actor) ?? 0) - stop.at);
    slowestMs = Math.max(slowestMs, elapsedMs);
    const outcome = cursor === head ? "ok" : "fail";
    h.add(actor, { op: "converged", head, cursor: cursor ?? -1, elapsedMs, outcome });
  }
  return { head, drained: isDrained, reached, slowestMs, stragglers };
}

/** What a reload of the web app would show: its IndexedDB mirror of the room, as a history event. */
async function recordMirror(h: History, phone: BrowserPhone): Promise<void> {
  const { rows, cursor } = await phone.mirror();
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const digest = runDigest(sorted.map(msgDigest));
  const first = sorted[0]?.seq ?? null;
  const last = sorted.at(-1)?.seq ?? null;
  h.add(phone.name, { op: "mirror", first, last, count: sorted.length, digest, cursor, outcome: "ok" });
}

/** Who is still short of the head or still has something to send, when the runner gives up. */
function behind(world: ChaosWorld, head: number): string[] {
  const out = [world.bridge, ...world.phones]
    .filter((a) => a.child?.lastApplied !== head || a.child?.outbox !== 0)
    .map((a) => `${a.name}: applied ${a.child?.lastApplied ?? "-"}, outbox ${a.child?.outbox ?? "-"}`);
  const phone = world.browserPhone;
  if (phone && (phone.cursor !== head || phone.pending.size > 0))
    out.push(`${phone.name}: cursor ${phone.cursor ?? "-"}, pending ${phone.pending.size}`);
  return out.map((s) => `${s} (head ${head})`);
}
