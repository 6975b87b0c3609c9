/** Sliding-window request limiter, kept in memory: losing it on eviction only forgives a few requests. */
export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(limit: number, windowMs: number, maxKeys = 10_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Counts one request for `key` unless it is over the limit; refused requests are not counted. */
  take(key: string, now: number): RateVerdict {
    const recent = (this.#hits.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    const oldest = recent[0];
    if (recent.length >= this.#limit && oldest !== undefined) {
      this.#hits.set(key, recent);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.#hits.set(key, recent);
    if (this.#hits.size > this.#maxKeys) this.#prune(now);
    return { ok: true };
  }

  #prune(now: number): void {
    for (const [key, hits] of this.#hits) {
      const last = hits[hits.length - 1];
      if (last === undefined || last <= now - this.#windowMs) this.#hits.delete(key);
    }
  }
}
