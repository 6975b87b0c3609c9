import type { ClientState } from "../link/relay-client.ts";
import type { EventSink } from "./recorder.ts";

/**
 * The relay link as the event log tells it: an outage begins when every link is down after one was
 * up (not while the first dial is under way), and ends when a link is caught up again. A room
 * opening (`partial` for a moment) is no outage; neither is the bridge closing its links.
 */
export class OutageWatch {
  readonly #events: EventSink;
  readonly #now: () => number;
  #wasUp = false;
  #downAt: number | null = null;
  #stopped = false;

  constructor(events: EventSink, now: () => number = Date.now) {
    this.#events = events;
    this.#now = now;
  }

  onState(state: ClientState): void {
    if (this.#stopped) return;
    if (state === "offline" && this.#wasUp && this.#downAt === null) {
      this.#downAt = this.#now();
      this.#events.record({ type: "relay.down" });
    } else if (state === "online" || state === "partial") {
      if (state === "online") this.#wasUp = true;
      if (this.#downAt === null) return;
      this.#events.record({ type: "relay.up", outageMs: Math.max(0, this.#now() - this.#downAt) });
      this.#downAt = null;
    }
  }

  /** The bridge closes its links: what follows is no outage. */
  stop(): void {
    this.#stopped = true;
  }

  /** How long the current outage has lasted (0 when the link is up). */
  currentOutageMs(): number {
    return this.#downAt === null ? 0 : this.#now() - this.#downAt;
  }
}
