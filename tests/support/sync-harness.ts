import {
  type OutboxEntry,
  prepareOut,
  type SyncAction,
  type SyncConfig,
  SyncEngine,
} from "../../shared/core/client/sync-engine.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { mid } from "./test-room.ts";

/** Shared by the sync engine's tests: golden relay frames in, the engine's actions out. */
export const CID = "bridge-cid-01";
export const T0 = 1_763_700_000_000;

/** An engine plus what it asked for, with golden relay frames fed in by the test. */
export class Harness {
  engine: SyncEngine;
  actions: SyncAction[] = [];
  now = T0;
  /** A bridge (epoch 3) unless `bridge` is false. */
  constructor(config: Partial<SyncConfig> = {}, bridge = true) {
    const base = { cid: CID, cursor: null, random: () => 0.5, ...(bridge ? { epoch: 3 } : {}) };
    this.engine = new SyncEngine({ ...base, ...config });
  }
  run(actions: SyncAction[]): SyncAction[] {
    this.actions.push(...actions);
    return actions;
  }
  open(welcome: { head?: number; low?: number; resumeFrom?: number } = {}): void {
    this.run(this.engine.opened(this.now));
    const { head = 0, low = 1, resumeFrom = head + 1 } = welcome;
    this.relay({
      t: "welcome",
      v: 2,
      room: "s-x",
      role: "bridge",
      head,
      low,
      resumeFrom,
      serverTime: this.now,
    });
  }
  relay(frame: object | string): SyncAction[] {
    return this.run(this.engine.frame(typeof frame === "string" ? frame : JSON.stringify(frame), this.now));
  }
  tick(ms: number): SyncAction[] {
    this.now += ms;
    return this.run(this.engine.tick(this.now));
  }
  enqueue(...entries: OutboxEntry[]): void {
    for (const e of entries) this.run(this.engine.enqueue(e, this.now));
  }
  /** Every frame written on the socket since the last call, parsed ("ping" stays text). */
  sent(): unknown[] {
    const out = this.take("send").map((a) => (a.text === "ping" ? "ping" : JSON.parse(a.text)));
    return out;
  }
  take<T extends SyncAction["type"]>(type: T): Extract<SyncAction, { type: T }>[] {
    const hit = this.actions.filter((a): a is Extract<SyncAction, { type: T }> => a.type === type);
    this.actions = this.actions.filter((a) => a.type !== type);
    return hit;
  }
  /** Mids of every `send` frame written since the last call, one array per frame. */
  batches(): string[][] {
    return this.sent()
      .filter((f): f is { t: "send"; msgs: { mid: string }[] } => (f as { t?: string }).t === "send")
      .map((f) => f.msgs.map((m) => m.mid));
  }
}

export function entry(body: unknown = { n: 1 }, kind = "agent.message"): OutboxEntry {
  const p = prepareOut(mid("o"), kind, body);
  if (!p.ok) throw new Error(p.message);
  return p.entry;
}

export function stored(seq: number): StoredMsg {
  return {
    seq,
    mid: `mid-${seq}`.padEnd(16, "x"),
    cid: "phone-cid-01",
    role: "controller",
    kind: "user.message",
    body: { seq },
    ts: T0,
  };
}

export function msgs(...seqs: number[]): object {
  return { t: "msgs", items: seqs.map(stored) };
}
