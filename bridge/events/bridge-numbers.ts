import { join } from "node:path";
import type { CountersRes } from "../control/control-api.ts";
import type { Logger } from "../log.ts";
import { HealthPublisher, healthEveryMs, machineHealth } from "./health-publisher.ts";
import { OutageWatch } from "./outage-watch.ts";
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
};

/**
 * One bridge's numbers (docs/events.md): the event log and counters, relay outages, what is so
 * now, and the machine.health it publishes after events.
 */
export class BridgeNumbers {
  readonly events: Recorder;
  readonly outage: OutageWatch;
  readonly health: HealthPublisher;
  readonly #startedAt = Date.now();
  private readonly o: BridgeNumbersOptions;

  constructor(o: BridgeNumbersOptions) {
    this.o = o;
    const dbPath = join(o.stateDir, "sessions.db");
    this.events = new Recorder({ dir: join(o.stateDir, "events"), dbPath, log: o.log });
    this.outage = new OutageWatch(this.events);
    this.health = new HealthPublisher(() => o.publish(this.#healthBody()), healthEveryMs());
    this.events.onEvent(() => this.health.soon());
  }

  counters(): CountersRes {
    const sessions = this.o.sessions();
    const outbox = this.o.outbox();
    const age = outbox.oldestQueuedAt === null ? null : Math.max(0, Date.now() - outbox.oldestQueuedAt);
    return {
      ...this.events.counters(),
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
    this.outage.stop();
    this.health.stop();
  }

  /** The last event of a clean stop, then the files close. */
  close(): void {
    this.events.record({ type: "bridge.stopped" });
    this.events.close();
  }

  #healthBody() {
    const open = this.o.sessions().filter((s) => s.state !== "ended");
    const sessions = open.map((s) => ({ room: s.room, tally: this.events.tally(s.room) }));
    return machineHealth(this.counters(), sessions, this.#startedAt, Date.now());
  }
}
