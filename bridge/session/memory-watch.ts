import type { Logger } from "../log.ts";
import { formatBytes, overBudget } from "./memory-budget.ts";

/** A session whose Claude process runs now, as the watch needs it. */
export type LiveProcess = { room: string; pid: number; idle: boolean; lastActive: number };

/** One session put to sleep for memory, and why: what its process and all of them held then. */
export type SleptForMemory = {
  room: string;
  /** The resident bytes of its process tree. */
  rss: number;
  /** Every live Claude process's, before it slept. */
  total: number;
  budget: number;
  at: number;
  /** Set when it slept before another session's process started: that process's estimate, in `total`. */
  starting?: number;
};

/** A process about to start, and the bytes it is expected to hold. */
type Starting = { room: string; rss: number };

/**
 * What a Claude process is expected to hold once it ran a turn: measured 184–220 MiB (it starts at
 * 40–70 MiB and grows with its first turn).
 */
export const SPAWN_ESTIMATE_BYTES = 200 * 1024 * 1024;

export type MemoryStatus = {
  /** Bytes; null when this platform cannot measure (no /proc): only the count cap applies. */
  budget: number | null;
  /** The live Claude processes' total resident bytes at the last measurement (null: never measured). */
  liveRss: number | null;
  measuredAt: number | null;
  /** Newest last; the last few only. */
  slept: SleptForMemory[];
};

export type MemoryWatchOptions = {
  budget: number | null;
  /** How often the live processes are measured besides after a spawn and a turn's end. */
  intervalMs: number;
  read(pids: readonly number[]): Promise<Map<number, number>>;
  live(): LiveProcess[];
  /** Puts an idle session to sleep and tells its room why; false when it was no longer idle. */
  sleep(why: SleptForMemory): boolean;
  log: Logger;
};

const KEEP_SLEPT = 10;

/**
 * Measures the live Claude processes (every `intervalMs`, and soon after each spawn and turn end,
 * never per message) and puts the least recently used idle sessions to sleep while they together
 * exceed the budget (`memory-budget.ts` decides). Measurements never overlap: a request during one
 * runs once after it.
 */
export class MemoryWatch {
  readonly #o: MemoryWatchOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #liveRss: number | null = null;
  #measuredAt: number | null = null;
  #slept: SleptForMemory[] = [];

  constructor(o: MemoryWatchOptions) {
    this.#o = o;
  }

  start(): void {
    if (this.#o.budget === null || this.#timer) return;
    this.#timer = setInterval(() => this.measureSoon(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Measures now, or right after the measurement under way. */
  measureSoon(): void {
    if (this.#o.budget === null) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    void this.#run();
  }

  /**
   * Before a process starts for `room`: the live ones are measured, and idle sessions sleep now if
   * they and the new one (estimated at what a process holds after a turn) would exceed the budget,
   * rather than one process over for the seconds until the next measurement.
   */
  async makeRoom(room: string): Promise<void> {
    if (this.#o.budget === null) return;
    while (this.#running) await this.#running;
    await this.#run({ room, rss: SPAWN_ESTIMATE_BYTES });
  }

  /** One measurement at a time: another asked for meanwhile runs right after. */
  #run(starting?: Starting): Promise<void> {
    this.#running = this.#measure(starting)
      .catch((err: Error) =>
        this.#o.log.warn("measuring the Claude processes failed", { error: err.message }),
      )
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.measureSoon();
        }
      });
    return this.#running;
  }

  /** The live Claude processes' total resident bytes at the last measurement (null: none yet, or no /proc). */
  liveRssBytes(): number | null {
    return this.#liveRss;
  }

  status(): MemoryStatus {
    return {
      budget: this.#o.budget,
      liveRss: this.#liveRss,
      measuredAt: this.#measuredAt,
      slept: [...this.#slept],
    };
  }

  async #measure(starting?: Starting): Promise<void> {
    const budget = this.#o.budget;
    if (budget === null) return;
    const live = this.#o.live();
    const rss = await this.#o.read(live.map((p) => p.pid));
    // Read again: a session may have started a turn while /proc was read.
    const now = new Map(this.#o.live().map((p) => [p.room, p]));
    const sessions = live.flatMap((p) => {
      const current = now.get(p.room);
      return current?.pid === p.pid ? [{ ...current, rss: rss.get(p.pid) ?? 0 }] : [];
    });
    // A process about to start is counted, never chosen: it has an input to run.
    const next = starting ? [{ ...starting, pid: 0, idle: false, lastActive: Date.now() }] : [];
    const verdict = overBudget([...sessions, ...next], budget);
    let total = verdict.total - (starting?.rss ?? 0);
    for (const s of verdict.sleep) {
      const why: SleptForMemory = { room: s.room, rss: s.rss, total: verdict.total, budget, at: Date.now() };
      if (starting) why.starting = starting.rss;
      if (!this.#o.sleep(why)) continue;
      this.#o.log.info("live Claude processes over the memory budget; putting a session to sleep", {
        room: s.room,
        rss: formatBytes(s.rss),
        total: formatBytes(verdict.total),
        budget: formatBytes(budget),
      });
      this.#slept = [...this.#slept, why].slice(-KEEP_SLEPT);
      total -= s.rss;
    }
    this.#liveRss = total;
    this.#measuredAt = Date.now();
  }
}
