import type { Cancel, Clock, Connection, Transport } from "./sync-ports.ts";

/** What the socket in the slot reports to the driver. `lost` comes once per socket. */
export type SlotEvents = {
  opened(): void;
  frame(text: string): void;
  binary(): void;
  error(message: string): void;
  lost(code: number, reason: string): void;
};

/** One dialed socket; `conn` is null only while `Transport.open` has not returned. */
type Link = { conn: Connection | null; cancelDial: Cancel };

/**
 * The driver's one socket at a time. It dials with a timeout and ignores every event of a socket it
 * has let go, so the engine hears of each socket's end exactly once (a dropped socket's late close
 * event included) and adapters never need to unhook their listeners.
 */
export class SocketSlot {
  #transport: Transport;
  #clock: Clock;
  #dialTimeoutMs: number;
  #on: SlotEvents;
  #link: Link | null = null;

  constructor(transport: Transport, clock: Clock, dialTimeoutMs: number, on: SlotEvents) {
    this.#transport = transport;
    this.#clock = clock;
    this.#dialTimeoutMs = dialTimeoutMs;
    this.#on = on;
  }

  /** Dials a new socket (the slot must be empty). A dial that cannot even start is lost at once. */
  dial(): void {
    const link: Link = {
      conn: null,
      cancelDial: this.#clock.after(this.#dialTimeoutMs, () => this.#lost(link, 1006, "dial timed out")),
    };
    this.#link = link;
    try {
      link.conn = this.#transport.open({
        open: () => {
          if (this.#link !== link) return;
          link.cancelDial();
          this.#on.opened();
        },
        message: (text) => {
          if (this.#link !== link) return;
          if (text === null) this.#on.binary();
          else this.#on.frame(text);
        },
        close: (code, reason) => this.#lost(link, code, reason),
        error: (message) => {
          if (this.#link === link) this.#on.error(message);
        },
      });
    } catch (err) {
      this.#lost(link, 1006, `dial failed: ${String(err)}`);
    }
  }

  send(text: string): void {
    this.#link?.conn?.send(text);
  }

  /** Closes the socket on purpose and reports it lost with this code and reason. */
  drop(code: number, reason: string): void {
    if (this.#link) this.#lost(this.#link, code, reason);
  }

  /** Lets the socket go without a report: the driver has stopped. */
  release(): void {
    const link = this.#link;
    this.#link = null;
    link?.cancelDial();
    link?.conn?.close(1000, "closing");
  }

  #lost(link: Link, code: number, reason: string): void {
    if (this.#link !== link) return;
    this.#link = null;
    link.cancelDial();
    // A close reason may be at most 123 bytes; closing a socket that is already closed does nothing.
    link.conn?.close(1000, reason.slice(0, 100));
    this.#on.lost(code, reason);
  }
}
