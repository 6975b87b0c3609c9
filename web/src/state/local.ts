import { readBody } from "./bodies.ts";

/**
 * What this tab knows beyond the room log: its queued messages (shown as "sending…" until their
 * stored copy arrives), refusals, and streamed text that has not been stored yet.
 */
/** Streamed text of one block; `from` > 0 when this tab joined the stream midway (after a reload). */
export type Stream = { from: number; text: string };

export type LocalRow = { mid: string; kind: string; body: unknown; at: number };

export type Local = {
  /** Queued here and not yet seen in the log (acknowledged ones stay until their stored copy arrives). */
  outbox: readonly LocalRow[];
  acked: ReadonlySet<string>;
  rejected: readonly (LocalRow & { code: string; message: string })[];
  /** `${messageId}:${index}` → text streamed so far. */
  streams: ReadonlyMap<string, Stream>;
};

export const emptyLocal: Local = { outbox: [], acked: new Set(), rejected: [], streams: new Map() };

/**
 * An `agent.delta` signal carries the text appended to one block since the previous signal, at an
 * offset. A tab that joins midway starts from the first signal it sees; after that, a signal that
 * does not line up (one was lost) is ignored: the stored agent.message brings the whole text
 * anyway. Null: no change.
 */
export function applyDelta(streams: ReadonlyMap<string, Stream>, body: unknown): Map<string, Stream> | null {
  const d = readBody("agent.delta", body);
  if (!d) return null;
  const key = `${d.messageId}:${d.index}`;
  const have = streams.get(key) ?? { from: d.offset, text: "" };
  if (d.offset !== have.from + have.text.length) return null;
  const next = new Map(streams);
  next.set(key, { from: have.from, text: have.text + d.text });
  return next;
}
