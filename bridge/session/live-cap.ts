/** One session put to sleep by the live-process cap (`--max-live`), and when. */
export type SleptForCap = { room: string; at: number };

export type CapStatus = {
  /** At most this many Claude processes run at once (`--max-live`). */
  maxLive: number;
  /** Newest last; the last few only. */
  slept: SleptForCap[];
};

/** What the cap may put to sleep: a session's runner, as far as the choice needs it. */
export type CapCandidate = { room: string; lastActive: number; isIdle(): boolean };

const KEEP_SLEPT = 10;

/**
 * The live-process cap: which idle session sleeps so another may start, and the sessions it slept
 * (for `tether status`, as the memory budget lists its own).
 */
export class LiveCap {
  readonly maxLive: number;
  #slept: SleptForCap[] = [];

  constructor(maxLive: number) {
    this.maxLive = maxLive;
  }

  /** At the cap, the least recently used idle one of `others`; null under it, or when none is idle. */
  victim<T extends CapCandidate>(live: number, others: readonly T[]): T | null {
    if (live < this.maxLive) return null;
    const idle = others.filter((r) => r.isIdle()).sort((a, b) => a.lastActive - b.lastActive);
    return idle[0] ?? null;
  }

  slept(room: string, at = Date.now()): void {
    this.#slept = [...this.#slept, { room, at }].slice(-KEEP_SLEPT);
  }

  status(): CapStatus {
    return { maxLive: this.maxLive, slept: [...this.#slept] };
  }
}

/** The `slept_for_cap` notice's text. */
export function sleptForCapText(maxLive: number): string {
  const live = maxLive === 1 ? "one Claude session was" : `${maxLive} Claude sessions were`;
  return (
    `This session was put to sleep: ${live} live on this machine, its limit (--max-live), and another ` +
    "session needed to start; this was the least recently used idle one. Your next message resumes it with its context."
  );
}
