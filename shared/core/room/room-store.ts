import type { Role } from "../../protocol/index.ts";

/** One stored message; `body` is its JSON text and `size` that text's UTF-8 length. */
export type LogRow = {
  seq: number;
  mid: string;
  cid: string;
  role: Role;
  kind: string;
  body: string;
  ts: number;
  size: number;
};

export type NewRow = Omit<LogRow, "seq">;

export type RoomMeta = { head: number; low: number; count: number; bytes: number };

export type CidRecord = { tokenId: string; role: Role; acked: number };

/**
 * The room's durable state as the pure core sees it. Every method is synchronous, so a decision
 * and its writes happen with no await in between (the DO's input/output gates do the rest).
 */
export interface RoomStore {
  meta(): RoomMeta;
  /** Runs `fn` in one storage transaction: all of its writes commit, or none. */
  transaction<T>(fn: () => T): T;
  /** Appends rows at head+1, head+2, …; returns the stored rows with their seqs. */
  append(rows: readonly NewRow[]): LogRow[];
  /** The seq a mid was stored under, including compacted mids that are still remembered. */
  seqOfMid(mid: string): number | null;
  /** `seqOfMid` for many mids in one read: the known ones, with their seqs. */
  seqsOfMids(mids: readonly string[]): Map<string, number>;
  /** Rows with from ≤ seq ≤ to, ascending, at most `limit`. */
  read(from: number, to: number, limit: number): LogRow[];
  /** The newest `limit` rows with seq < before, ascending. */
  readBefore(before: number, limit: number): LogRow[];
  epochOf(cid: string): number | null;
  setEpoch(cid: string, epoch: number): void;
  cidRecord(cid: string): CidRecord | null;
  /** Binds a new cid to its token, or notes that a bound one was seen at `now`. */
  bindCid(cid: string, tokenId: string, role: Role, now: number): void;
  /** The cids bound to a token, least recently seen first. */
  cidsOf(tokenId: string): { cid: string; lastSeen: number }[];
  forgetCid(cid: string): void;
  /**
   * Forgets non-bridge cids last seen before `before`, oldest first, until at most `keep` non-bridge
   * cids remain; never one in `spare`. Returns how many it forgot.
   */
  expireCids(before: number, keep: number, spare: readonly string[]): number;
  /** Raises the persisted ack cursor of `cid` (never lowers it). */
  raiseAcked(cid: string, acked: number): void;
  /** The lowest ack cursor among the room's bridge cids; 0 when no bridge has said hello. */
  bridgeAcked(): number;
  /** Removes the oldest rows with seq ≤ upTo until within the caps, remembering their mids. */
  compact(upTo: number, maxCount: number, maxBytes: number, midExpiresAt: number): number;
  /** Forgets compacted mids whose dedupe window has passed; returns the next expiry, if any. */
  purgeMids(now: number): number | null;
}
