import type { History } from "./history.ts";
import type { Rng } from "./random.ts";
import { wireSession } from "./wire-session.ts";

export type StormOptions = {
  history: History;
  /** ws:// origin of the storm's chaos proxy. */
  wsUrl: string;
  room: string;
  token: string;
  size: number;
  runId: string;
  rng: Rng;
};

type StormClient = { actor: string; cid: string; cursor: number | null; startedAt: number | null };

/** How long one client of a storm keeps trying before the storm counts it as failed. */
const CLIENT_DEADLINE_MS = 45_000;

/**
 * A pool of phones that come back all at once (a reconnect storm, as after a relay deploy or a
 * train leaving a tunnel): each dials, says hello with its own cursor, catches up and leaves. Each
 * keeps its cursor between storms, so every storm replays what it missed since the last one.
 */
export class StormPool {
  readonly clients: StormClient[];
  #o: StormOptions;

  constructor(o: StormOptions) {
    this.#o = o;
    this.clients = Array.from({ length: o.size }, (_, i) => ({
      actor: `storm-${String(i).padStart(3, "0")}`,
      cid: `st${o.runId}${String(i).padStart(3, "0")}`,
      cursor: null,
      startedAt: null,
    }));
    for (const c of this.clients) {
      o.history.actor({
        name: c.actor,
        kind: "storm",
        cid: c.cid,
        durable: false,
        zombie: false,
        receiver: true,
        reapply: false,
      });
    }
  }

  /** Every client at once; resolves with how many caught up and the lowest head they saw. */
  async storm(): Promise<{ caughtUp: number; failed: number }> {
    const results = await Promise.all(this.clients.map((c) => this.#catchUp(c)));
    const caughtUp = results.filter(Boolean).length;
    return { caughtUp, failed: results.length - caughtUp };
  }

  /** The lowest cursor in the pool (what the slowest storm client has applied). */
  lowest(): number | null {
    const cursors = this.clients.map((c) => c.cursor);
    return cursors.some((c) => c === null) ? null : Math.min(...cursors.map((c) => c ?? 0));
  }

  async #catchUp(c: StormClient): Promise<boolean> {
    const o = this.#o;
    if (c.startedAt === null) {
      c.startedAt = Date.now();
      o.history.add(c.actor, { op: "start", incarnation: 1, cursor: null, epoch: null, outcome: "ok" });
    }
    const deadline = Date.now() + CLIENT_DEADLINE_MS;
    while (Date.now() < deadline) {
      const r = await wireSession({
        history: o.history,
        actor: c.actor,
        wsUrl: o.wsUrl,
        room: o.room,
        token: o.token,
        cid: c.cid,
        since: c.cursor,
        tail: 20,
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      c.cursor = r.last;
      if (r.ok) return true;
      // The relay is restarting or the dial failed: retry soon, spread out like real backoff.
      await sleep(o.rng.int(50, 400));
    }
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
