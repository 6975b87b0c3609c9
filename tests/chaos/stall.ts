/** One registered wait: who waits (a lane, an actor, the runner), for what, since when. */
export type Wait = { who: string; what: string; sinceMs: number };

/** What the stall detector saw when it gave up: how long nothing happened and who waits on what. */
export type StallReport = {
  /** Milliseconds without progress when the detector fired. */
  idleMs: number;
  /** The configured limit. */
  afterMs: number;
  /** The last progress seen (a history event), if any. */
  lastProgress: { what: string; atMs: number } | null;
  /** Every wait still open, the oldest first. */
  waits: (Wait & { forMs: number })[];
};

/**
 * The registry of everything the battery is waiting on. Each wait registers itself with who waits
 * and for what, and leaves when it settles, so that a stall can say which wait never returned.
 */
export class Waits {
  #open = new Map<number, Wait>();
  #next = 0;
  #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Registers a wait; call the returned function when it is over (idempotent). */
  begin(who: string, what: string): () => void {
    const id = this.#next++;
    this.#open.set(id, { who, what, sinceMs: this.#now() });
    return () => this.#open.delete(id);
  }

  /** Awaits `p` as a registered wait. */
  async on<T>(who: string, what: string, p: Promise<T>): Promise<T> {
    const end = this.begin(who, what);
    try {
      return await p;
    } finally {
      end();
    }
  }

  get size(): number {
    return this.#open.size;
  }

  /** The open waits, the oldest first, with how long each has been waiting. */
  snapshot(): (Wait & { forMs: number })[] {
    const now = this.#now();
    return [...this.#open.values()]
      .sort((a, b) => a.sinceMs - b.sinceMs)
      .map((w) => ({ ...w, forMs: Math.round(now - w.sinceMs) }));
  }
}

export type StallOptions = {
  /** Fires after this long without progress. */
  afterMs: number;
  waits: Waits;
  /** How often it looks (default: a tenth of afterMs, at most 5 s). */
  checkEveryMs?: number;
  now?: () => number;
};

/**
 * Fires once nothing has progressed for `afterMs`: `stalled` resolves with a report of every wait
 * still open. Progress is whatever the caller reports (the runner: every history event).
 */
export class StallDetector {
  readonly stalled: Promise<StallReport>;
  #o: StallOptions;
  #now: () => number;
  #last: { what: string; atMs: number } | null = null;
  #since: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #fire: (r: StallReport) => void = () => {};

  constructor(o: StallOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
    this.#since = this.#now();
    this.stalled = new Promise((resolve) => {
      this.#fire = resolve;
    });
  }

  progress(what = "progress"): void {
    this.#since = this.#now();
    this.#last = { what, atMs: Math.round(this.#since) };
  }

  start(): void {
    if (this.#timer) return;
    this.#since = this.#now();
    const every = this.#o.checkEveryMs ?? Math.min(5_000, Math.max(10, this.#o.afterMs / 10));
    this.#timer = setInterval(() => this.#check(), every);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #check(): void {
    const idleMs = this.#now() - this.#since;
    if (idleMs < this.#o.afterMs) return;
    this.stop();
    this.#fire({
      idleMs: Math.round(idleMs),
      afterMs: this.#o.afterMs,
      lastProgress: this.#last,
      waits: this.#o.waits.snapshot(),
    });
  }
}

/** A run that stopped making progress; carries the detector's report. */
export class StalledError extends Error {
  readonly report: StallReport;
  constructor(report: StallReport) {
    const oldest = report.waits[0];
    const what = oldest ? `; oldest wait: ${oldest.who} waits for ${oldest.what}` : "";
    super(`no progress for ${Math.round(report.idleMs / 1000)} s (${report.waits.length} waits open${what})`);
    this.report = report;
  }
}
