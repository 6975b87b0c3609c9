import type { SessionGrant, SessionState } from "../shared/protocol/index.ts";
import type { Caps } from "./config.ts";
import type { PushLast } from "./events/push-totals.ts";
import type { ClientState } from "./link/relay-client.ts";
import type { LinkState } from "./link/room-link.ts";
import type { Logger } from "./log.ts";
import type { CapStatus } from "./session/live-cap.ts";
import type { MemoryStatus } from "./session/memory-watch.ts";

/** How `tether bridge` (and `tether up`) configure a Bridge (bridge.ts). */
export type BridgeOptions = {
  relayUrl: string;
  token: string;
  machineId: string;
  cid: string;
  name: string;
  stateDir: string;
  roots: string[];
  idleSleepMs: number;
  maxLive: number;
  /** Bytes the live Claude processes may hold together (`--max-live-memory`); null: count cap only. */
  maxLiveMemory?: number | null;
  /** Default DEFAULT_CAPS. */
  caps?: Caps;
  permissionTimeoutMs: number | null;
  /** A usage-limited input continues by itself after the reset (default true; `--no-auto-continue`). */
  autoContinue?: boolean;
  log: Logger;
  /** Retrying cannot help (fenced, revoked): the process should exit with this message. */
  fatal(message: string): void;
  /** The relay connection or a session changed: for a status line; read `status()` for the new state. */
  onChange?(): void;
};

/** What `tether status` and the status line show; read from memory and disk, never from the relay. */
export type BridgeStatus = {
  relay: { state: ClientState; epoch: number | null };
  rooms: { room: string; state: LinkState; outboxDepth: number }[];
  sessions: {
    room: string;
    title: string;
    cwd: string;
    state: SessionState;
    /** A Claude process runs for it now (a sleeping or idle-without-process session has none). */
    live: boolean;
    claudeSessionId: string | null;
    updatedAt: number;
    grants: SessionGrant[];
  }[];
  /** The live-memory budget, the live processes' total and the sessions slept for it. */
  memory: MemoryStatus;
  /** The live-process cap and the sessions slept for it. */
  cap: CapStatus;
  /** What the relay last said of this machine's pushes (null until it answered). */
  pushes: PushLast | null;
};
