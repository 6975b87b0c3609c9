import { CLEAR_KINDS } from "../../shared/protocol/e2e.ts";
import { checkReceivers } from "./checker-receivers.ts";
import type { CheckInput, CheckResult, Counts, Invariant, LogIndex, Violation } from "./checker-types.ts";
import { keyOf, msgDigest, runDigest, type Stored } from "./digest.ts";
import type { HistoryEvent } from "./history.ts";

type SendInfo = {
  key: string;
  actor: string;
  index: number;
  queued: boolean;
  acks: { mid: string; seq: number; dup: boolean }[];
  refused: boolean;
};

/**
 * The guarantees of docs/protocol.md §1.1, checked on a history and the room's final log
 * (read in full after the run). Pure: doctored histories in checker.test.ts prove each check bites.
 */
export function check(input: CheckInput): CheckResult {
  const violations: Violation[] = [];
  const v = (invariant: Invariant, actor: string | null, detail: string) =>
    violations.push({ invariant, actor, detail });
  const counts: Counts = {
    sent: 0,
    acknowledged: 0,
    stored: input.log.length,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    indeterminate: 0,
    recovered: 0,
    reapplied: 0,
  };
  const index = checkLog(input.log, counts, v);
  const sends = collectSends(input.events, input.actors);
  checkSends(sends, input, counts, v);
  checkFencing(input, v);
  const converged = checkReceivers(input, index, counts, v);
  checkMirrors(input.events, index, v);
  return { ok: violations.length === 0, converged, violations, counts };
}

/** Gap-free seqs from low to head, unique mids. */
function checkLog(log: readonly Stored[], counts: Counts, v: Report): LogIndex {
  const bySeq = new Map<number, { mid: string; digest: string }>();
  const mids = new Map<string, number>();
  let prev: number | null = null;
  for (const m of log) {
    if (prev !== null && m.seq !== prev + 1) {
      counts.reordered++;
      v("log_gap", null, `log seq ${m.seq} follows ${prev}`);
    }
    prev = m.seq;
    const seen = mids.get(m.mid);
    if (seen !== undefined) {
      counts.duplicated++;
      v("duplicate", null, `mid ${m.mid} stored at seq ${seen} and ${m.seq}`);
    } else mids.set(m.mid, m.seq);
    bySeq.set(m.seq, { mid: m.mid, digest: msgDigest(m) });
  }
  const low = log[0]?.seq ?? 1;
  if (low !== 1) v("log_gap", null, `log starts at seq ${low}, not 1 (nothing compacts in this run)`);
  return { bySeq, head: log.at(-1)?.seq ?? 0, low };
}

type Report = (invariant: Invariant, actor: string | null, detail: string) => void;

function collectSends(events: readonly HistoryEvent[], actors: CheckInput["actors"]): Map<string, SendInfo> {
  const sends = new Map<string, SendInfo>();
  const keyOfMid = new Map<string, string>();
  events.forEach((e, index) => {
    if (e.op === "send" && !sends.has(e.key))
      sends.set(e.key, { key: e.key, actor: e.actor, index, queued: false, acks: [], refused: false });
    if (e.op === "queued") keyOfMid.set(e.mid, e.key);
    const key =
      e.op === "queued" ? e.key : e.op === "ack" || e.op === "refuse" ? (e.key ?? keyOfMid.get(e.mid)) : null;
    const s = key ? sends.get(key) : undefined;
    if (!s) return;
    // Only a store that lives on counts: what a zombie queued is in an outbox nobody will send.
    const keeper = actors.get(e.actor);
    if (e.op === "queued" && keeper?.durable === true && !keeper.zombie) s.queued = true;
    if (e.op === "ack") s.acks.push({ mid: e.mid, seq: e.seq, dup: e.dup });
    if (e.op === "refuse") s.refused = true;
  });
  return sends;
}

/** Acked ⇒ stored once at the acked seq; durably queued ⇒ stored; nothing stored without a send. */
function checkSends(sends: Map<string, SendInfo>, input: CheckInput, counts: Counts, v: Report): void {
  const byKey = new Map<string, Stored[]>();
  for (const m of input.log) {
    // Key grants (key-granter.ts) are how the browser phone gets its key, not workload sends.
    if (CLEAR_KINDS.has(m.kind)) continue;
    const key = keyOf(m.plain ?? m.body);
    if (key === null || !sends.has(key)) {
      v("phantom", null, `seq ${m.seq} (mid ${m.mid}, key ${key}) was never sent`);
      continue;
    }
    byKey.set(key, [...(byKey.get(key) ?? []), m]);
  }
  const seqOfMid = new Map(input.log.map((m) => [m.mid, m.seq]));
  for (const s of sends.values()) {
    const actor = input.actors.get(s.actor);
    const stored = byKey.get(s.key) ?? [];
    counts.sent++;
    if (s.acks.length > 0) counts.acknowledged++;
    if (s.acks.length === 0 && !s.refused) {
      counts.indeterminate++;
      if (stored.length > 0) counts.recovered++;
    }
    if (stored.length > 1) {
      counts.duplicated += stored.length - 1;
      v(
        "duplicate",
        s.actor,
        `key ${s.key} stored ${stored.length} times: seqs ${stored.map((m) => m.seq).join(",")}`,
      );
    }
    const mustStore = s.acks.length > 0 || s.queued;
    if (mustStore && stored.length === 0) {
      counts.lost++;
      v(
        "lost",
        s.actor,
        `key ${s.key} ${s.acks.length > 0 ? `acked at seq ${s.acks[0]?.seq}` : "durably queued"} but not stored`,
      );
    }
    for (const a of s.acks) {
      const at = seqOfMid.get(a.mid);
      if (at !== undefined && at !== a.seq)
        v("wrong_seq", s.actor, `mid ${a.mid} acked at seq ${a.seq}, stored at ${at}`);
    }
    if (s.refused && stored.length > 0) v("refused_stored", s.actor, `key ${s.key} was refused yet stored`);
    for (const m of stored) {
      if (actor && m.cid !== actor.cid)
        v("wrong_sender", s.actor, `key ${s.key} stored with cid ${m.cid}, sent by ${actor.cid}`);
    }
  }
}

/**
 * No write from a fenced epoch: once the relay welcomed epoch e' of a cid at head h, nothing an
 * older epoch of that cid sends may be stored above h, and nothing it invokes afterwards at all.
 */
function checkFencing(input: CheckInput, v: Report): void {
  const cidOf = (actor: string) => input.actors.get(actor)?.cid ?? actor;
  const welcomes: { cid: string; epoch: number; head: number }[] = [];
  const epochOf = new Map<string, number>();
  const sentFenced = new Map<string, { actor: string; epoch: number; by: number }>();
  for (const e of input.events) {
    if (e.op === "start" && e.epoch !== null) epochOf.set(e.actor, e.epoch);
    if (e.op === "connect" && e.outcome === "ok" && e.epoch !== null && e.head !== null)
      welcomes.push({ cid: cidOf(e.actor), epoch: e.epoch, head: e.head });
    if (e.op === "ack" && !e.dup && e.epoch !== null) {
      const { epoch, seq } = e;
      const fence = welcomes.find((w) => w.cid === cidOf(e.actor) && w.epoch > epoch && w.head < seq);
      if (fence)
        v(
          "fenced_write",
          e.actor,
          `epoch ${epoch} stored seq ${seq} after epoch ${fence.epoch} was welcomed at head ${fence.head}`,
        );
    }
    const epoch = epochOf.get(e.actor);
    if (e.op !== "send" || epoch === undefined) continue;
    const fence = welcomes.find((w) => w.cid === cidOf(e.actor) && w.epoch > epoch);
    if (fence) sentFenced.set(e.key, { actor: e.actor, epoch, by: fence.epoch });
  }
  for (const m of input.log) {
    const f = sentFenced.get(keyOf(m.plain ?? m.body) ?? "");
    if (f)
      v(
        "fenced_write",
        f.actor,
        `seq ${m.seq} was sent by epoch ${f.epoch} after epoch ${f.by} was welcomed`,
      );
  }
}

/** The web app's local mirror after convergence: gap-free, up to the head, the log's content. */
function checkMirrors(events: readonly HistoryEvent[], log: LogIndex, v: Report): void {
  for (const e of events) {
    if (e.op !== "mirror") continue;
    const { first, last, count } = e;
    if (first === null || last === null) {
      if (log.head > 0) v("mirror", e.actor, `the mirror is empty; the head is ${log.head}`);
      continue;
    }
    if (count !== last - first + 1)
      v("mirror", e.actor, `the mirror holds ${count} rows for seqs ${first}-${last}: a hole`);
    if (last !== log.head || e.cursor !== log.head)
      v("mirror", e.actor, `the mirror ends at ${last} with cursor ${e.cursor}; the head is ${log.head}`);
    const digests: string[] = [];
    for (let s = first; s <= last; s++) digests.push(log.bySeq.get(s)?.digest ?? "missing");
    if (count === last - first + 1 && runDigest(digests) !== e.digest)
      v("mirror", e.actor, `the mirror's content differs from the log in seqs ${first}-${last}`);
  }
}
