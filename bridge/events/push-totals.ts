import type { PushStatsRes } from "../../shared/protocol/index.ts";
import type { RelayApiResult } from "../control/relay-api.ts";
import type { Logger } from "../log.ts";

/** What the relay last said of this machine's pushes (docs/protocol.md §11.2). */
export type PushLast = { lastError: string | null; lastAt: number | null };

export type PushTotalsOptions = {
  /** `GET /api/push/stats` with the bridge token, parsed with the shared schema (relay-api.ts). */
  fetch(): Promise<RelayApiResult<PushStatsRes>>;
  log: Logger;
  now?: () => number;
};

/** The relay's totals as the bridge's counter names (docs/events.md): a 404/410 is a failed push too. */
export function pushCounters(s: PushStatsRes): Record<string, number> {
  return { pushesSent: s.sent, pushesFailed: s.failed + s.gone, pushesRetried: s.retried };
}

/**
 * The pushes the relay sent for this machine (docs/protocol.md §11.2), as counters: since install
 * is the relay's totals, since start what they grew by after the first answer this process got.
 * The relay is asked at most once per `maxAgeMs` a caller gives; when it cannot answer, the last
 * values stay, and the reason is logged when it changes.
 */
export class PushTotals {
  readonly #o: PushTotalsOptions;
  readonly #now: () => number;
  #install: Record<string, number> | null = null;
  #baseline: Record<string, number> | null = null;
  #askedAt = Number.NEGATIVE_INFINITY;
  #asking: Promise<void> | null = null;
  #problem: string | null = null;
  #last: PushLast | null = null;

  constructor(o: PushTotalsOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Asks the relay unless it was asked within `maxAgeMs` (or is being asked); never rejects. */
  refresh(maxAgeMs: number): Promise<void> {
    if (this.#asking) return this.#asking;
    if (this.#now() - this.#askedAt < maxAgeMs) return Promise.resolve();
    this.#askedAt = this.#now();
    this.#asking = this.#ask().finally(() => {
      this.#asking = null;
    });
    return this.#asking;
  }

  /** Empty until the relay first answered. */
  counts(): { sinceInstall: Record<string, number>; sinceStart: Record<string, number> } {
    if (this.#install === null || this.#baseline === null) return { sinceInstall: {}, sinceStart: {} };
    const base = this.#baseline;
    const sinceStart = Object.fromEntries(
      Object.entries(this.#install).map(([name, n]) => [name, n - (base[name] ?? 0)]),
    );
    return { sinceInstall: { ...this.#install }, sinceStart };
  }

  /** The relay's last push error (cut by the relay) and its last outcome's time; null until it answered. */
  last(): PushLast | null {
    return this.#last;
  }

  async #ask(): Promise<void> {
    const got = await this.#o.fetch().catch(
      (err: unknown): RelayApiResult<PushStatsRes> => ({
        ok: false,
        status: 0,
        code: "error",
        message: err instanceof Error ? err.message : String(err),
      }),
    );
    if (!got.ok) return this.#failed(`${got.code}: ${got.message}`);
    if (this.#problem !== null) this.#o.log.info("push totals: the relay answers again");
    this.#problem = null;
    const now = pushCounters(got.value);
    // Totals that went down are another relay's (or a reset one's): since start begins again there.
    const base = this.#baseline;
    if (base === null || Object.entries(now).some(([name, n]) => n < (base[name] ?? 0))) this.#baseline = now;
    this.#install = now;
    this.#last = { lastError: got.value.lastError, lastAt: got.value.lastAt };
  }

  #failed(problem: string): void {
    if (problem !== this.#problem) {
      this.#o.log.warn("push totals: could not read them from the relay; the last values stay", {
        problem: problem.slice(0, 300),
      });
    }
    this.#problem = problem;
  }
}
