import type { EventSink } from "../events/recorder.ts";
import type { Logger } from "../log.ts";
import type { AccountHooks } from "../machine/account-watch.ts";
import type { Registry } from "./registry.ts";

/** What a SessionRunner (session-runner.ts) is given by Sessions: the shared stores and settings. */
export type SessionDeps = {
  registry: Registry;
  machineId: string;
  log: Logger;
  idleSleepMs: number;
  /** At most this many inputs wait in the session; a message beyond gets `too_many_inputs`. */
  maxQueued: number;
  permissionTimeoutMs: number | null;
  /** Called before a process starts for `room`, so the cap and the memory budget can put others to sleep. */
  admit(room: string): Promise<void>;
  /** The session list changed (state, title, ids): the machine room republishes it. */
  changed(): void;
  /** Claude Code's account, for inputs held until it works (machine.account). */
  account?: AccountHooks;
  /** A process started or a turn ended: the live-memory budget measures soon. */
  measure?(): void;
  /** A usage-limited input continues by itself after the reset, unless its session says otherwise (default true). */
  autoContinue?: boolean;
  /** Where the session's life is recorded (docs/events.md); nowhere when not given. */
  events?: EventSink;
};
