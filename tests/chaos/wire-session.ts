import type { StoredMsg } from "../../shared/protocol/index.ts";
import { ClosedError, WireClient } from "../support/wire-client.ts";
import { msgDigest, runDigest } from "./digest.ts";
import type { History } from "./history.ts";

export type WireSessionOptions = {
  history: History;
  actor: string;
  /** ws:// origin (a chaos proxy, or the relay itself for probes). */
  wsUrl: string;
  room: string;
  token: string;
  cid: string;
  since: number | null;
  tail?: number;
  /** Gives up (and closes) if not caught up by then. */
  timeoutMs: number;
  /** Called once, when the first page of the replay has been applied (before caught_up). */
  onFirstPage?: () => void;
};

export type WireResult = { ok: boolean; last: number | null; head: number | null };

/**
 * One connection of a plain protocol client (tests/support/wire-client.ts): hello with a cursor,
 * apply the replay until caught_up, close. Every step goes into the history; applies are recorded
 * one event per frame so that a hundred storm clients stay cheap to record.
 */
export async function wireSession(o: WireSessionOptions): Promise<WireResult> {
  const h = o.history;
  const batch: StoredMsg[] = [];
  let firstPage = o.onFirstPage;
  const flush = () => {
    const first = batch[0];
    if (!first) return;
    h.add(o.actor, {
      op: "apply",
      seq: first.seq,
      n: batch.length,
      digest: runDigest(batch.map(msgDigest)),
      outcome: "ok",
    });
    batch.length = 0;
    firstPage?.();
    firstPage = undefined;
  };
  const onMsg = (m: StoredMsg) => {
    if (batch.push(m) === 1) queueMicrotask(flush);
  };
  const waits = h.waits;
  let client: WireClient;
  try {
    client = await waits.on(
      o.actor,
      "the socket to open",
      WireClient.open(o.wsUrl, o.room, o.token, { onMsg }),
    );
  } catch (err) {
    const reason = `dial failed: ${(err as Error).message}`;
    h.add(o.actor, { op: "connect", outcome: "fail", head: null, resumeFrom: null, epoch: null, reason });
    return { ok: false, last: o.since, head: null };
  }
  const timer = setTimeout(() => void client.close(4000, "chaos timeout"), o.timeoutMs);
  const r = await session(o, client);
  clearTimeout(timer);
  const closed = await waits.on(o.actor, "its close to complete", client.close());
  // Live messages may follow caught_up until the close: they count as applied too.
  flush();
  h.add(o.actor, { op: "close", code: closed.code, reason: closed.reason, outcome: "info" });
  return { ...r, last: cursorOf(o, client) };
}

/** The client's cursor: what it applied, or where the relay said its replay starts. */
function cursorOf(o: WireSessionOptions, client: WireClient): number | null {
  return client.welcome === null ? o.since : client.last;
}

async function session(o: WireSessionOptions, client: WireClient): Promise<Omit<WireResult, "last">> {
  const h = o.history;
  // A gone comes before the replay; registered now, it is recorded before any apply it precedes.
  client.next("gone").then(
    (g) => h.add(o.actor, { op: "gone", reason: g.reason, resumeFrom: g.resumeFrom, outcome: "ok" }),
    (err: unknown) => {
      // Closing without a gone is the usual case; anything else is a bug in this harness.
      if (!(err instanceof ClosedError)) console.warn(`${o.actor}: waiting for gone failed`, err);
    },
  );
  h.add(o.actor, { op: "hello", since: o.since, epoch: null, outcome: "info" });
  try {
    const tail = o.tail === undefined ? {} : { tail: o.tail };
    const w = await h.waits.on(o.actor, "welcome", client.hello({ cid: o.cid, since: o.since, ...tail }));
    h.add(o.actor, {
      op: "connect",
      outcome: "ok",
      head: w.head,
      resumeFrom: w.resumeFrom,
      epoch: null,
      reason: "",
    });
    const head = await h.waits.on(
      o.actor,
      `caught_up (from ${w.resumeFrom}, head ${w.head})`,
      client.untilCaughtUp(),
    );
    if (client.violations.length > 0) throw new Error(client.violations.join("; "));
    return { ok: true, head };
  } catch (err) {
    if (client.welcome === null) {
      const reason = (err as Error).message;
      h.add(o.actor, { op: "connect", outcome: "fail", head: null, resumeFrom: null, epoch: null, reason });
    }
    return { ok: false, head: null };
  }
}
