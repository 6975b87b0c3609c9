import type { CheckInput, Counts, Invariant, LogIndex } from "./checker-types.ts";
import { runDigest } from "./digest.ts";
import type { HistoryEvent } from "./history.ts";

type Report = (invariant: Invariant, actor: string | null, detail: string) => void;

/**
 * Receiver duties across reconnects and restarts: each receiver applies `since+1 … head` once
 * each, in order, with the log's content; its cursor never goes back; and after the faults stop
 * it reaches the head within the limit. Returns whether every receiver converged.
 */
export function checkReceivers(input: CheckInput, log: LogIndex, counts: Counts, v: Report): boolean {
  const byActor = new Map<string, HistoryEvent[]>();
  for (const e of input.events) {
    const info = input.actors.get(e.actor);
    if (!info?.receiver) continue;
    const list = byActor.get(e.actor) ?? [];
    list.push(e);
    byActor.set(e.actor, list);
  }
  let converged = true;
  for (const [name, info] of input.actors) {
    if (!info.receiver) continue;
    const events = byActor.get(name) ?? [];
    const r = new Receiver(name, info.reapply, log, counts, v);
    for (const e of events) r.on(e);
    const mustConverge = !info.zombie && info.kind !== "probe";
    if (mustConverge && !r.converged(events, log.head, input.convergeWithinMs)) converged = false;
  }
  return converged;
}

/** One receiver's cursor, followed through its events. */
class Receiver {
  #name: string;
  #reapply: boolean;
  #log: LogIndex;
  #counts: Counts;
  #v: Report;
  /** Last applied seq, null until known. */
  #last: number | null = null;
  /** The incarnation's starting cursor is not known yet (taken from the next hello or welcome). */
  #needBase = true;
  #crashed = false;
  /** After a crash, the first apply may repeat the last one (cursor persisted after apply). */
  #mayRepeat: number | null = null;

  constructor(name: string, reapply: boolean, log: LogIndex, counts: Counts, v: Report) {
    this.#name = name;
    this.#reapply = reapply;
    this.#log = log;
    this.#counts = counts;
    this.#v = v;
  }

  on(e: HistoryEvent): void {
    switch (e.op) {
      case "start":
        this.#needBase = true;
        if (e.cursor !== null) this.#base(e.cursor);
        return;
      case "crash":
        this.#crashed = true;
        return;
      case "hello":
        if (this.#needBase && e.since !== null) return this.#base(e.since);
        if (e.since !== null && this.#last !== null && e.since < this.#last)
          this.#v("cursor_back", this.#name, `hello since ${e.since} after applying ${this.#last}`);
        return;
      case "connect":
        if (e.outcome === "ok" && this.#needBase && e.resumeFrom !== null) this.#base(e.resumeFrom - 1);
        return;
      case "gone":
        this.#v("gone", this.#name, `gone{${e.reason}}: the relay no longer has what this cursor covers`);
        this.#last = e.resumeFrom - 1;
        return;
      case "apply":
        return this.#apply(e.seq, e.n, e.digest);
      default:
        return;
    }
  }

  /** Where a new incarnation (or the first hello) starts, against what was applied before. */
  #base(cursor: number): void {
    this.#needBase = false;
    const last = this.#last;
    const crashed = this.#crashed;
    this.#crashed = false;
    this.#mayRepeat = null;
    if (last !== null) {
      const lowest = crashed && this.#reapply ? last - 1 : last;
      if (cursor < lowest)
        this.#v("cursor_back", this.#name, `restarted at cursor ${cursor} after applying ${last}`);
      // A killed process may have applied more than it managed to report: skipping ahead is
      // only suspicious when nothing was lost with the process.
      if (cursor > last && !crashed)
        this.#v("receiver_skip", this.#name, `resumed at cursor ${cursor} after applying only ${last}`);
      if (cursor === last - 1 && crashed) this.#mayRepeat = last;
    }
    this.#last = cursor;
  }

  #apply(seq: number, n: number, digest: string): void {
    const end = seq + n - 1;
    this.#content(seq, n, digest);
    const last = this.#last;
    // A pending base stays pending: a reloading page's old document may still report applies
    // (checked for continuity) before the new one's hello says where it really starts.
    if (last === null || seq === last + 1) {
      this.#counts.delivered += n;
      if (this.#mayRepeat === seq && n === 1) this.#counts.reapplied++;
      this.#mayRepeat = null;
      this.#last = end;
      return;
    }
    this.#mayRepeat = null;
    if (end <= last) {
      this.#counts.duplicated += n;
      this.#v("receiver_duplicate", this.#name, `applied ${rangeText(seq, end)} again after ${last}`);
      return;
    }
    if (seq <= last) {
      this.#counts.duplicated += last - seq + 1;
      this.#v("receiver_duplicate", this.#name, `applied ${rangeText(seq, end)} overlapping ${last}`);
    } else {
      this.#counts.reordered += 1;
      this.#v("receiver_skip", this.#name, `applied ${rangeText(seq, end)} right after ${last}`);
    }
    this.#counts.delivered += end - Math.max(seq, last + 1) + 1;
    this.#last = end;
  }

  /** The applied messages are the log's messages at those seqs. */
  #content(seq: number, n: number, digest: string): void {
    const digests: string[] = [];
    for (let s = seq; s < seq + n; s++) {
      const entry = this.#log.bySeq.get(s);
      if (!entry) {
        this.#counts.lost++;
        return this.#v("receiver_content", this.#name, `applied seq ${s}, which the final log does not hold`);
      }
      digests.push(entry.digest);
    }
    if (runDigest(digests) !== digest)
      this.#v(
        "receiver_content",
        this.#name,
        `applied ${rangeText(seq, seq + n - 1)} with other content than the log`,
      );
  }

  converged(events: readonly HistoryEvent[], head: number, limitMs: number): boolean {
    const c = events.findLast((e) => e.op === "converged");
    const reason =
      c?.op !== "converged"
        ? "never reported converging"
        : c.outcome !== "ok"
          ? `did not converge (cursor ${c.cursor} of head ${c.head})`
          : c.head !== head || c.cursor !== head
            ? `converged to ${c.cursor}/${c.head}, the log's head is ${head}`
            : c.elapsedMs > limitMs
              ? `took ${Math.round(c.elapsedMs)} ms to converge (limit ${limitMs} ms)`
              : this.#last !== head
                ? `its last applied seq is ${this.#last}, the head is ${head}`
                : null;
    if (reason) this.#v("not_converged", this.#name, reason);
    return reason === null;
  }
}

function rangeText(a: number, b: number): string {
  return a === b ? `seq ${a}` : `seqs ${a}-${b}`;
}
