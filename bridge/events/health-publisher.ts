import type { MachineHealth } from "../../shared/protocol/index.ts";
import type { CountersRes } from "../control/control-api.ts";
import type { RoomTally } from "./counters.ts";

/** At most one machine.health a minute while events happen (docs/protocol.md §9.12). */
export const HEALTH_EVERY_MS = 60_000;

/** The shortest and longest `TETHER_HEALTH_EVERY_MS` taken: tests shorten the minute, nobody floods the room. */
const HEALTH_EVERY_BOUNDS = { min: 100, max: 3_600_000 };

/**
 * The quiet period between machine.health messages: `TETHER_HEALTH_EVERY_MS` (whole milliseconds
 * within the bounds, for tests) or the minute. Anything else is ignored.
 */
export function healthEveryMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.TETHER_HEALTH_EVERY_MS?.trim();
  if (!text || !/^\d{1,8}$/.test(text)) return HEALTH_EVERY_MS;
  const ms = Number(text);
  return ms >= HEALTH_EVERY_BOUNDS.min && ms <= HEALTH_EVERY_BOUNDS.max ? ms : HEALTH_EVERY_MS;
}

/** The machine.health body from the control API's counters and the open sessions' tallies. Pure. */
export function machineHealth(
  c: CountersRes,
  sessions: { room: string; tally: RoomTally }[],
  startedAt: number,
  at: number,
): MachineHealth {
  const { relayOutageMs: _outage, ...now } = c.now;
  return {
    installedAt: c.installedAt,
    startedAt,
    sinceInstall: c.sinceInstall,
    sinceStart: c.sinceStart,
    now,
    sessions: sessions.slice(-200).map((s) => ({ room: s.room, ...s.tally })),
    at,
  };
}

/**
 * Publishes the machine's health now, and then a while after the next event: a burst of events
 * (a turn, a wake) is one message in the room, not one each.
 */
export class HealthPublisher {
  readonly #publish: () => void;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(publish: () => void, everyMs = HEALTH_EVERY_MS) {
    this.#publish = publish;
    this.#everyMs = everyMs;
  }

  now(): void {
    if (this.#stopped) return;
    this.#publish();
  }

  /** An event happened: publish once the quiet period is over (unless one is due already). */
  soon(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.now();
    }, this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
