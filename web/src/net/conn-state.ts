import type { AckItem, Peer, StoredMsg } from "../../../shared/protocol/frames.ts";
import type { QueuedRow } from "./queued-row.ts";

/** What a room socket tells its owner: its connection state and, in order, what happened. */
export type ConnState =
  | { kind: "loading" }
  | { kind: "connecting" }
  | { kind: "syncing" }
  | { kind: "live" }
  | { kind: "waiting"; retryAt: number; code: number; reason: string }
  /** Hidden with nothing to send: it dials again when the page is visible. */
  | { kind: "paused" }
  | { kind: "fatal"; code: number; reason: string }
  | { kind: "closed" };

export type RoomEvents = {
  loaded(msgs: StoredMsg[], outbox: QueuedRow[]): void;
  applied(msgs: StoredMsg[]): void;
  reset(): void;
  /** Durable in IndexedDB now; `at` is when the page learnt it. */
  queued(row: QueuedView): void;
  acked(acks: AckItem[]): void;
  rejected(mid: string, code: string, message: string): void;
  signal(s: { cid: string; role: string; kind: string; body: unknown }): void;
  presence(peers: Peer[]): void;
  history(items: StoredMsg[], low: number): void;
  state(s: ConnState): void;
};

/** What the view needs of a queued message. */
export type QueuedView = Pick<QueuedRow, "mid" | "kind" | "bodyJson" | "at">;

export type SendResult = { ok: true; mid: string } | { ok: false; message: string };
