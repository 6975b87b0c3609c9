import { type AckItem, Limits, type Peer, type Role, type StoredMsg } from "../../protocol/index.ts";

/** Types and defaults of the client sync engine (sync-engine.ts). */
export const SyncDefaults = {
  pingEveryMs: 15_000,
  pongTimeoutMs: 10_000,
  /** A socket that opened but never got `welcome` is as dead as one that stopped answering pings. */
  helloTimeoutMs: 20_000,
  ackEveryMs: 1_000,
  ackEveryMsgs: 100,
  /** Below the relay's 1 MiB frame limit with room for the envelope. */
  frameBytes: 900 * 1024,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  backoffResetAfterMs: 10_000,
  /** 90 % of the relay's per-socket bucket, so a paced sender is not answered rate_limited. */
  pace: { perSecond: Limits.ratePerSecond * 0.9, burst: Limits.rateBurst * 0.9 },
} as const;

export type SyncConfig = {
  cid: string;
  /** Bridges only, where it is required. */
  epoch?: number;
  /** Replay length when there is no usable cursor (relay default 200). */
  tail?: number;
  /** The persisted cursor: every seq ≤ it is applied. null when there is none. */
  cursor: number | null;
  /** The durable outbox, oldest first. */
  outbox?: readonly OutboxEntry[];
  /** null: never ping (the web app while hidden). */
  pingEveryMs?: number | null;
  pongTimeoutMs?: number;
  backoffCapMs?: number;
  random?: () => number;
};

/** A queued message, serialized once: `json` is its text inside a `send` frame. */
export type OutboxEntry = {
  mid: string;
  kind: string;
  bodyJson: string;
  /** A bridge's push hint (docs/protocol.md §11.1), serialized; sent with the message, never stored by the relay. */
  pushJson?: string;
  json: string;
  bytes: number;
};

export type Prepared =
  | { ok: true; entry: OutboxEntry }
  | { ok: false; code: "bad_frame" | "too_large"; message: string };

export type Phase = "connecting" | "hello" | "replay" | "live" | "dropping" | "fatal";

export type SyncAction =
  /** Write this text on the socket. */
  | { type: "send"; text: string }
  /** Apply a stored message; persist its seq as the cursor afterwards (or at the next `cursor`). */
  | { type: "apply"; msg: StoredMsg }
  /** Persist: every seq ≤ `seq` is applied. */
  | { type: "cursor"; seq: number }
  /** `gone`: local state derived from the room must be rebuilt from the replay that follows. */
  | { type: "reset"; reason: "truncated" | "unknown_cursor"; cursor: number }
  /** These left the outbox for good (stored, maybe earlier: `dup`). */
  | { type: "acked"; acks: AckItem[] }
  | { type: "rejected"; mid: string; code: string; message: string }
  | { type: "signal"; signal: { cid: string; role: Role; kind: string; body: unknown } }
  | { type: "presence"; peers: Peer[] }
  | { type: "history"; items: StoredMsg[]; low: number }
  | { type: "phase"; phase: Phase }
  /** Close the socket; then report it with `closed()`. */
  | { type: "drop"; reason: string }
  /** Dial again after `delayMs`; `code` and `reason` say why the last socket ended. */
  | { type: "reconnect"; delayMs: number; attempt: number; code: number; reason: string }
  /** Retrying cannot help; stop. */
  | { type: "fatal"; code: number; reason: string }
  | { type: "log"; level: "info" | "warn"; message: string };
