import { join } from "node:path";
import type { PushStatsRes } from "../../shared/protocol/index.ts";
import type { CountersRes } from "../control/control-api.ts";
import type { RelayApiResult } from "../control/relay-api.ts";
import type { Logger } from "../log.ts";
import { HealthPublisher, healthEveryMs, machineHealth } from "./health-publisher.ts";
import { OutageWatch } from "./outage-watch.ts";
import { PushTotals } from "./push-totals.ts";
import { Recorder } from "./recorder.ts";

export type BridgeNumbersOptions = {
  stateDir: string;
  log: Logger;
  /** Every registered session: whether a process is live for it, and its state. */
  sessions(): { room: string; live: boolean; state: string }[];
  outbox(): { queued: number; oldestQueuedAt: number | null };
  /** The live Claude processes' total RSS (the memory-budget work measures it), or null. */
  liveClaudeRssBytes(): number | null;
  /** The budget they may hold together (`--max-live-memory`), or null. */
  liveClaudeBudgetBytes(): number | null;
  /** Sends machine.health in the machine room (docs/protocol.md §9.12). */
  publish(body: ReturnType<typeof machineHealth>): void;
  /** The relay's push totals for this machine (`GET /api/push/stats`). */
  pushStats(): Promise<RelayApiResult<PushStatsRes>>;
};

/** The relay's push totals are asked for at most this often for machine.health... */
const PUSH_TOTALS_HEALTH_MS = 30_000;
/** ...and this often for someone asking now (`tether status`, `GET /v1/counters`). */
const PUSH_TOTALS_ASKED_MS = 2_000;
/** How long an answer waits for the relay's; a slow relay's totals come with a later one. */
const PUSH_TOTALS_WAIT_MS = 3_000;

/**
 * One bridge's numbers (docs/events.md): the event log and counters, relay outages, what is so
 * now, and the machine.health it publishes after events.
 */
export class BridgeNumbers {
  readonly events: Recorder;
  readonly outage: OutageWatch;
  readonly health: HealthPublisher;
  readonly pushes: PushTotals;
  readonly #startedAt = Date.now();
  #stopped = false;
  private readonly o: BridgeNumbersOptions;

  constructor(o: BridgeNumbersOptions) {
    this.o = o;
    const dbPath = join(o.stateDir, "sessions.db");
    this.events = new Recorder({ dir: join(o.stateDir, "events"), dbPath, log: o.log });
    this.outage = new OutageWatch(this.events);
    this.pushes = new PushTotals({ fetch: o.pushStats, log: o.log });
    this.health = new HealthPublisher(() => void this.#publishHealth(), healthEveryMs());
    this.events.onEvent(() => this.health.soon());
  }

  /** The counters with the relay's push totals asked for again if they are more than a few seconds old. */
  async freshCounters(): Promise<CountersRes> {
    await this.#freshPushes(PUSH_TOTALS_ASKED_MS);
    return this.counters();
  }

  /** The counters as they are (the push totals as last read from the relay). */
  counters(): CountersRes {
    const sessions = this.o.sessions();
    const outbox = this.o.outbox();
    const age = outbox.oldestQueuedAt === null ? null : Math.max(0, Date.now() - outbox.oldestQueuedAt);
    const { installedAt, sinceInstall, sinceStart } = this.events.counters();
    const pushes = this.pushes.counts();
    return {
      installedAt,
      sinceInstall: { ...sinceInstall, ...pushes.sinceInstall },
      sinceStart: { ...sinceStart, ...pushes.sinceStart },
      now: {
        sessionsLive: sessions.filter((s) => s.live).length,
        sessionsSleeping: sessions.filter((s) => s.state === "sleeping").length,
        sessionsRegistered: sessions.length,
        outboxQueued: outbox.queued,
        outboxOldestAgeMs: age,
        relayOutageMs: this.outage.currentOutageMs(),
        liveClaudeRssBytes: this.o.liveClaudeRssBytes(),
        liveClaudeBudgetBytes: this.o.liveClaudeBudgetBytes(),
      },
    };
  }

  /** The bridge begins closing its links: no outage, no more publishing. */
  stopping(): void {
    this.#stopped = true;
    this.outage.stop();
    this.health.stop();
  }

  /** The last event of a clean stop, then the files close. */
  close(): void {
    this.events.record({ type: "bridge.stopped" });
    this.events.close();
  }

  async #publishHealth(): Promise<void> {
    await this.#freshPushes(PUSH_TOTALS_HEALTH_MS);
    if (this.#stopped) return;
    try {
      this.o.publish(this.#healthBody());
    } catch (err) {
      this.o.log.error("could not publish machine.health", { err: String(err) });
    }
  }

  /** Waits for the relay's push totals a little at most; the asking goes on without the wait. */
  async #freshPushes(maxAgeMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PUSH_TOTALS_WAIT_MS);
    });
    await Promise.race([this.pushes.refresh(maxAgeMs), waited]);
    clearTimeout(timer);
  }

  #healthBody() {
    const open = this.o.sessions().filter((s) => s.state !== "ended");
    const sessions = open.map((s) => ({ room: s.room, tally: this.events.tally(s.room) }));
    return machineHealth(this.counters(), sessions, this.#startedAt, Date.now());
  }
}
