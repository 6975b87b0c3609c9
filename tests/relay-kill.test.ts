import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutMsg, StoredMsg } from "../shared/protocol/index.ts";
import { mintToken, type RelayProcess, restartRelay, startRelay } from "./support/relay-process.ts";
import { WireClient, type WireSendResult } from "./support/wire-client.ts";

/**
 * Durability across crashes of the real relay (wrangler dev + workerd + SQLite on disk): the
 * whole process group is SIGKILLed in the middle of a pipelined stream, restarted on the same
 * storage, and the bridge resends everything it has no ack for, as its outbox would.
 */
const TOTAL = 3_000;
const BATCH = 25;
const IN_FLIGHT = 8;
/**
 * When to kill: once `afterAcks` messages are acknowledged, `delayMs` later (so the cut falls at
 * different points of the relay's commit-then-ack cycle), with no new frames sent meanwhile.
 */
const KILLS = [
  { afterAcks: 700, delayMs: 0 },
  { afterAcks: 1_500, delayMs: 3 },
  { afterAcks: 2_300, delayMs: 10 },
];
const MACHINE = "killtest01";

describe("relay survives SIGKILL of its process group", () => {
  let relay: RelayProcess | null = null;

  beforeAll(async () => {
    relay = await startRelay();
  }, 60_000);

  afterAll(async () => {
    await relay?.dispose();
  }, 30_000);

  it("keeps every acknowledged message exactly once, at its acknowledged seq", async () => {
    if (!relay) throw new Error("relay did not start");
    const bridge = await mintToken(relay, "bridge", MACHINE);
    const device = await mintToken(relay, "device", MACHINE);
    const room = `s-${randomBytes(16).toString("base64url")}`;
    const stream = new Stream(room, bridge.token);

    for (const kill of [...KILLS, null]) {
      const killed = await stream.run(relay, kill);
      if (!killed) break;
      expect(stream.inFlightAtKill.at(-1), "sends were in flight at the kill").toBeGreaterThan(0);
      relay = await restartRelay(relay);
    }
    expect(stream.kills, `relay output:\n${relay.output()}`).toBe(KILLS.length);
    expect(stream.acked.size).toBe(TOTAL);

    const stored = await readRoom(relay, room, device.token);
    const seqs = stored.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.mid)).size).toBe(stored.length);
    const storedSeq = new Map(stored.map((m) => [m.mid, m.seq]));
    const wrong = [...stream.acked].filter(([mid, seq]) => storedSeq.get(mid) !== seq);
    expect(wrong, "acked mids missing or at another seq").toEqual([]);
    expect(stored.length).toBe(TOTAL);
    expect(stored.map((m) => m.body)).toEqual(stored.map((m) => stream.bodyOf(m.mid)));
    expect(stream.violations).toEqual([]);
    expect(stream.dups).toBeGreaterThanOrEqual(stream.lateAcks);
    console.info(
      `relay-kill: ${TOTAL} msgs, ${stream.kills} kills with ${stream.inFlightAtKill.join("/")} msgs ` +
        `in flight; acked/head at kill/restart ${stream.ackedAtKill.map((a, i) => `${a}/${stream.heads[i + 1]}`).join(" ")}; ` +
        `${stream.lateAcks} acks after the kill decision, ${stream.dups} dup acks on resend`,
    );
  }, 180_000);
});

/** The bridge side: a durable outbox in memory that survives the relay, not the test. */
class Stream {
  readonly room: string;
  readonly token: string;
  readonly mids: string[];
  /** Every ack ever received: mid → seq. */
  readonly acked = new Map<string, number>();
  /** Mids whose ack came before the kill was decided; the outbox drops only these. */
  readonly #confirmed = new Set<string>();
  readonly inFlightAtKill: number[] = [];
  /** The room's head at each (re)connect: what survived each kill. */
  readonly heads: number[] = [];
  readonly ackedAtKill: number[] = [];
  violations: string[] = [];
  kills = 0;
  dups = 0;
  /** Acks that arrived after the kill was decided: kept as acked, but resent like lost acks. */
  lateAcks = 0;
  #sent = 0;

  constructor(room: string, token: string) {
    this.room = room;
    this.token = token;
    this.mids = Array.from({ length: TOTAL }, (_, i) => `k${i}_${randomBytes(12).toString("base64url")}`);
  }

  bodyOf(mid: string): { i: number; text: string } {
    return { i: Number(mid.slice(1, mid.indexOf("_"))), text: `message ${mid}` };
  }

  /**
   * One connection's worth of streaming: unconfirmed mids first, in their original order, then
   * new ones. Returns true if it killed the relay as `kill` says. Acks that arrive between the
   * decision and the kill count as acknowledged, yet their mids are resent as if the bridge had
   * crashed before recording them: the relay must answer those with `dup` and the same seq.
   */
  async run(relay: RelayProcess, kill: (typeof KILLS)[number] | null): Promise<boolean> {
    const client = await WireClient.open(relay.wsUrl, this.room, this.token);
    const welcome = await client.hello({ cid: "bridge-kill-test", epoch: 1, since: null, tail: 0 });
    this.heads.push(welcome.head);
    const queue = this.mids.slice(0, this.#sent).filter((m) => !this.#confirmed.has(m));
    let killed = false;
    let unacked = 0;
    const inFlight = new Set<Promise<void>>();
    const onResult = (r: WireSendResult, size: number) => {
      unacked -= size;
      if (r.status === "acked") this.#record(r, !killed);
      else if (r.status === "error") this.violations.push(`send refused: ${JSON.stringify(r.error)}`);
      if (kill && !killed && this.acked.size >= kill.afterAcks) {
        killed = true;
        // Kill while the other frames are still on the wire or queued in the relay.
        setTimeout(() => {
          this.inFlightAtKill.push(unacked);
          this.ackedAtKill.push(this.acked.size);
          void relay.kill("SIGKILL");
        }, kill.delayMs);
      }
    };
    while (!killed && (queue.length > 0 || this.#sent < TOTAL)) {
      const batch = this.#take(queue);
      unacked += batch.length;
      const p: Promise<void> = client.send(batch).then((r) => {
        inFlight.delete(p);
        onResult(r, batch.length);
      });
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    this.violations.push(...client.violations.filter((v) => !(killed && v.startsWith("socket error"))));
    if (killed) {
      this.kills++;
      await client.closed;
      await relay.kill("SIGKILL");
    } else await client.close();
    return killed;
  }

  #take(queue: string[]): OutMsg[] {
    const batch = queue.splice(0, BATCH);
    while (batch.length < BATCH && this.#sent < TOTAL) batch.push(this.mids[this.#sent++]!);
    return batch.map((mid) => ({ mid, kind: "agent.message", body: this.bodyOf(mid) }));
  }

  #record(r: Extract<WireSendResult, { status: "acked" }>, confirm: boolean): void {
    if (r.refused.length > 0) this.violations.push(`messages refused: ${JSON.stringify(r.refused)}`);
    for (const ack of r.acks) {
      const before = this.acked.get(ack.mid);
      if (before !== undefined && (before !== ack.seq || !ack.dup)) {
        this.violations.push(`mid ${ack.mid} acked at ${before}, then ${JSON.stringify(ack)}`);
      }
      if (ack.dup) this.dups++;
      if (confirm) this.#confirmed.add(ack.mid);
      else this.lateAcks++;
      this.acked.set(ack.mid, ack.seq);
    }
  }
}

/** Reads the whole room from seq 1 with a fresh controller socket, acking every page. */
async function readRoom(relay: RelayProcess, room: string, token: string): Promise<StoredMsg[]> {
  const items: StoredMsg[] = [];
  const reader = await WireClient.open(relay.wsUrl, room, token, { onMsg: (m) => items.push(m) });
  await reader.hello({ cid: "reader-kill-test", since: 0 });
  const head = await reader.untilCaughtUp();
  await reader.close();
  expect(reader.gaps + reader.stale).toBe(0);
  expect(reader.violations).toEqual([]);
  expect(items.length).toBe(head);
  return items;
}
