import type { BodyContext } from "../../shared/core/e2e/context.ts";
import type { Opened, OpenFailure } from "../../shared/core/e2e/webcrypto.ts";
import type { AckItem, BodyOf, Kind, PushHint, SignalKind, StoredMsg } from "../../shared/protocol/index.ts";

/**
 * The seam between the bridge's transport (bridge/link/**) and its session logic. One RelayClient
 * per bridge process (one cid, one epoch); one RoomLink per room it has open.
 */

export type LinkState = "connecting" | "open" | "caught_up" | "offline";

/**
 * Why a stored message was skipped instead of handled: its body nests deeper than the relay now
 * allows (stored before the limit), its handler threw, or the process died handling it too often.
 */
export type SkipReason = "too_deep" | "failed" | "crashed";

export interface RoomHandlers {
  /**
   * A stored message, applied in seq order, each exactly once per cursor: the cursor is persisted
   * after this returns. After a crash the last message may be applied again, so handlers must be
   * idempotent by `mid` (the bridge records inputs with INSERT OR IGNORE).
   */
  onMessage(msg: StoredMsg): void;
  /** A message that was not (fully) handled; the cursor moves past it. Tell its sender. */
  onSkipped?(msg: StoredMsg, reason: SkipReason): void;
  /**
   * A message whose body did not open (docs/protocol.md §12.3): never handled, the cursor moves past
   * it. Tell its sender (`unverifiable`).
   */
  onUnverifiable?(msg: StoredMsg, reason: OpenFailure): void;
  onState?(state: LinkState): void;
  /** The relay stored these messages (`dup`: it had them already); they left the outbox. */
  onAcked?(acks: AckItem[]): void;
  /** A message the relay refused for good (too_large, not_allowed, room_full); it left the outbox. */
  onRejected?(mid: string, code: string, message: string): void;
  /** 4001 / 4403 / 4003: retrying cannot help. The link stops. */
  onFatal?(code: number, reason: string): void;
}

export interface RoomLink {
  readonly room: string;
  /**
   * Queues a message durably (fsynced before it returns) and sends it when possible. Returns its mid.
   * Throws on a malformed kind or a body that is not JSON (a caller bug); a body over 256 KiB is not
   * queued and reported through onRejected(mid, "too_large").
   * With `mid`, the caller makes the message idempotent across its own crashes: sending the same
   * mid again (before or after it was acknowledged) stores it once, with its first body.
   * Typed by kind (shared/protocol/kinds.ts): the body is what that kind's schema describes.
   */
  /** `push`: what the relay should push once the message is stored (docs/protocol.md §11.1). */
  send<K extends Kind>(kind: K, body: BodyOf<K>, mid?: string, push?: PushHint): string;
  /** Best-effort, never stored. Dropped while disconnected. */
  signal<K extends SignalKind>(kind: K, body: BodyOf<K>): void;
  /** Messages queued but not yet acknowledged by the relay. */
  outboxDepth(): number;
  state(): LinkState;
  close(): void;
}

/**
 * End-to-end encryption at the link (docs/protocol.md §12.3): every body is sealed before it enters
 * the outbox (so a resend sends the same bytes) and opened before a handler sees it.
 */
export interface BodySeal {
  /** The body as it goes on the wire: sealed, except the kinds that travel in the clear. */
  seal(ctx: BodyContext, body: unknown): unknown;
  open(ctx: BodyContext, body: unknown): Opened;
  /** A push hint with its `show`s sealed (§12.8). */
  sealPush(room: string, mid: string, push: PushHint): PushHint;
}
