import {
  type AckItem,
  type ErrorFrame,
  Limits,
  type RelayFrame,
  SignalName,
  type StoredMsg,
  WIRE_VERSION,
} from "../../protocol/index.ts";
import { type Bucket, take } from "../util/token-bucket.ts";
import { nextBatch, outboxEntry, prepareOut } from "./sync-outbox.ts";
import { backoffDelay, isFatalClose, parseFrame } from "./sync-policy.ts";
import {
  type OutboxEntry,
  type Phase,
  type SyncAction,
  type SyncConfig,
  SyncDefaults,
} from "./sync-types.ts";

export * from "./sync-types.ts";
export { backoffDelay, isFatalClose, outboxEntry, prepareOut };

/**
 * The client side of docs/protocol.md §5 for one room socket, shared by the bridge (disk) and the web
 * app (IndexedDB). It owns no socket, timer or storage: the owner feeds it events and carries out
 * the returned actions in order, then calls `tick` again at `deadline()`.
 */
const REFUSALS: ReadonlySet<string> = new Set(["too_large", "too_deep", "not_allowed", "room_full"]);
/** Errors without a mid that mean a whole frame was dropped unprocessed. */
const FRAME_LOST: ReadonlySet<string> = new Set(["rate_limited", "bad_frame", "too_large", "internal"]);

type Conn = {
  openedAt: number;
  /** The relay's ack baseline for this socket, as far as this side has told it. */
  ackedUpTo: number;
  ackDueAt: number | null;
  /** Mids of the one `send` frame awaiting its answer (stop-and-wait keeps resends in order). */
  inflight: Set<string> | null;
  resendAt: number;
  paceAt: number | null;
  bucket: Bucket;
  lastPingAt: number;
  pongDueAt: number | null;
};

export class SyncEngine {
  #cfg: SyncConfig;
  #phase: Phase = "connecting";
  #focused = false;
  #cursor: number | null;
  #outbox = new Map<string, OutboxEntry>();
  #conn: Conn | null = null;
  #attempt = 0;

  constructor(config: SyncConfig) {
    this.#cfg = config;
    this.#cursor = config.cursor;
    for (const e of config.outbox ?? []) this.#outbox.set(e.mid, e);
  }

  get phase(): Phase {
    return this.#phase;
  }
  get cursor(): number | null {
    return this.#cursor;
  }
  /** Mids not yet acknowledged, oldest first. */
  unacked(): string[] {
    return [...this.#outbox.keys()];
  }

  /** The socket is open: say hello with the persisted cursor. */
  opened(now: number): SyncAction[] {
    if (this.#phase === "fatal") return [];
    this.#conn = {
      openedAt: now,
      ackedUpTo: 0,
      ackDueAt: null,
      inflight: null,
      resendAt: now,
      paceAt: null,
      bucket: { tokens: SyncDefaults.pace.burst, at: now },
      lastPingAt: now,
      pongDueAt: null,
    };
    const { cid, epoch, tail } = this.#cfg;
    const hello = { t: "hello", v: WIRE_VERSION, cid, epoch, since: this.#cursor, tail };
    return [...this.#to("hello"), { type: "send", text: JSON.stringify(hello) }];
  }

  frame(text: string, now: number): SyncAction[] {
    const conn = this.#conn;
    if (conn === null || !isOpen(this.#phase)) return [];
    // Any frame proves the socket alive: a pong may queue behind a large replay on a slow link.
    conn.pongDueAt = null;
    if (text === "pong") return [];
    const parsed = parseFrame(text);
    if (!parsed.ok) return [{ type: "log", level: "warn", message: `ignored a frame: ${parsed.error}` }];
    return this.#dispatch(parsed.frame, conn, now);
  }

  /** The socket closed (or a dial failed). Decides between a reconnect and giving up. */
  closed(code: number, reason: string, now: number): SyncAction[] {
    if (this.#phase === "fatal") return [];
    const conn = this.#conn;
    this.#conn = null;
    if (isFatalClose(code)) return [...this.#to("fatal"), { type: "fatal", code, reason }];
    if (conn && now - conn.openedAt >= SyncDefaults.backoffResetAfterMs) this.#attempt = 0;
    const cap = this.#cfg.backoffCapMs ?? SyncDefaults.backoffCapMs;
    const delayMs = backoffDelay(this.#attempt, this.#cfg.random ?? Math.random, cap);
    this.#attempt++;
    return [...this.#to("connecting"), { type: "reconnect", delayMs, attempt: this.#attempt, code, reason }];
  }

  /** Adds a message the owner has already made durable; sends it when its turn comes. */
  enqueue(entry: OutboxEntry, now: number): SyncAction[] {
    if (!this.#outbox.has(entry.mid)) this.#outbox.set(entry.mid, entry);
    return this.#conn ? this.#flush(this.#conn, now) : [];
  }

  /**
   * Whether the page shows this room, visible and focused (docs/protocol.md §11.3): said now when
   * connected and again after every welcome, so a reconnect keeps the room quiet.
   */
  focus(on: boolean): SyncAction[] {
    if (this.#focused === on) return [];
    this.#focused = on;
    const said = this.#conn && (this.#phase === "replay" || this.#phase === "live");
    return said ? [focusFrame(on)] : [];
  }

  /** Best effort: dropped while not connected or when the rate budget is spent. */
  signal(kind: string, body: unknown, now: number): SyncAction[] {
    const conn = this.#conn;
    if (!conn || (this.#phase !== "replay" && this.#phase !== "live")) return [];
    // A malformed kind would cost an invalid-frame strike at the relay (20 a minute close the socket).
    if (!SignalName.safeParse(kind).success) return [warn(`dropped a signal with a malformed kind ${kind}`)];
    const r = take(conn.bucket, 1, now, SyncDefaults.pace.perSecond, SyncDefaults.pace.burst);
    conn.bucket = r.bucket;
    return r.ok ? [{ type: "send", text: JSON.stringify({ t: "signal", kind, body: body ?? null }) }] : [];
  }

  /**
   * Best effort like a signal: paced by the most the relay may charge for the answer (one token
   * per row and per KiB of a page, docs/protocol.md §5.6), so the request is never refused there
   * and left unanswered; [] when the budget is short (the caller may ask again later).
   */
  history(before: number | undefined, limit: number | undefined, now: number): SyncAction[] {
    const conn = this.#conn;
    if (!conn || (this.#phase !== "replay" && this.#phase !== "live")) return [];
    const cost = (limit ?? Limits.historyDefault) + Limits.pageBytes / Limits.rateBytesPerToken;
    const r = take(conn.bucket, cost, now, SyncDefaults.pace.perSecond, SyncDefaults.pace.burst);
    conn.bucket = r.bucket;
    return r.ok ? [{ type: "send", text: JSON.stringify({ t: "history", before, limit }) }] : [];
  }

  /** The web app stops pinging while hidden (null) and resumes when visible. */
  setPingEvery(ms: number | null): void {
    this.#cfg = { ...this.#cfg, pingEveryMs: ms };
  }

  /** Pings at once with its own timeout (the web app on becoming visible or online: 3 s). */
  pingNow(now: number, timeoutMs: number): SyncAction[] {
    const conn = this.#conn;
    if (!conn || !isOpen(this.#phase)) return [];
    conn.lastPingAt = now;
    conn.pongDueAt = now + timeoutMs;
    return [{ type: "send", text: "ping" }];
  }

  /** Acks now (the web app when it is hidden, anyone before a clean close). */
  flushAck(): SyncAction[] {
    const conn = this.#conn;
    if (!conn || this.#cursor === null || this.#cursor <= conn.ackedUpTo) return [];
    return this.#phase === "replay" || this.#phase === "live" ? this.#ack(conn) : [];
  }

  /** Time-driven duties: heartbeat, hello timeout, coalesced acks, paced and delayed sends. */
  tick(now: number): SyncAction[] {
    const conn = this.#conn;
    if (!conn || !isOpen(this.#phase)) return [];
    if (this.#phase === "hello" && now - conn.openedAt >= SyncDefaults.helloTimeoutMs) {
      return this.#drop("no welcome in time");
    }
    if (conn.pongDueAt !== null && now >= conn.pongDueAt) return this.#drop("no pong in time");
    const out: SyncAction[] = [];
    const every = this.#pingEvery();
    if (every !== null && conn.pongDueAt === null && now - conn.lastPingAt >= every) {
      out.push(...this.pingNow(now, this.#cfg.pongTimeoutMs ?? SyncDefaults.pongTimeoutMs));
    }
    if (conn.ackDueAt !== null && now >= conn.ackDueAt) out.push(...this.#ack(conn));
    out.push(...this.#flush(conn, now));
    return out;
  }

  /** When `tick` next has something to do; null when nothing is timed. */
  deadline(): number | null {
    const conn = this.#conn;
    if (!conn || !isOpen(this.#phase)) return null;
    const at: number[] = [];
    if (this.#phase === "hello") at.push(conn.openedAt + SyncDefaults.helloTimeoutMs);
    const every = this.#pingEvery();
    if (conn.pongDueAt !== null) at.push(conn.pongDueAt);
    else if (every !== null) at.push(conn.lastPingAt + every);
    if (conn.ackDueAt !== null) at.push(conn.ackDueAt);
    const sending = this.#phase === "replay" || this.#phase === "live";
    if (sending && !conn.inflight && this.#outbox.size > 0)
      at.push(Math.max(conn.resendAt, conn.paceAt ?? 0));
    return at.length > 0 ? Math.min(...at) : null;
  }

  #dispatch(f: RelayFrame, conn: Conn, now: number): SyncAction[] {
    switch (f.t) {
      case "welcome":
        return this.#welcome(f.resumeFrom, conn, now);
      case "gone":
        return this.#gone(f.reason, f.resumeFrom, conn);
      case "msgs":
        return this.#msgs(f.items, conn, now);
      case "caught_up":
        return this.#phase === "replay" ? this.#to("live") : [];
      case "acked":
        return this.#acked(f.acks, conn, now);
      case "error":
        return this.#error(f, conn, now);
      case "presence":
        return [{ type: "presence", peers: f.peers }];
      case "signal":
        return [{ type: "signal", signal: { cid: f.cid, role: f.role, kind: f.kind, body: f.body } }];
      case "history":
        return [{ type: "history", items: f.items, low: f.low }];
    }
  }

  /** Replay starts at resumeFrom; then every unacknowledged message goes out again, oldest first. */
  #welcome(resumeFrom: number, conn: Conn, now: number): SyncAction[] {
    if (this.#phase !== "hello") return [warn("welcome out of order")];
    const out: SyncAction[] = this.#to("replay");
    if (this.#focused) out.push(focusFrame(true));
    conn.ackedUpTo = resumeFrom - 1;
    if (this.#cursor === null) {
      this.#cursor = resumeFrom - 1;
      out.push({ type: "cursor", seq: this.#cursor });
    }
    return [...out, ...this.#flush(conn, now)];
  }

  #gone(reason: "truncated" | "unknown_cursor", resumeFrom: number, conn: Conn): SyncAction[] {
    if (this.#phase !== "replay") return [warn("gone out of order")];
    this.#cursor = resumeFrom - 1;
    conn.ackedUpTo = resumeFrom - 1;
    return [
      { type: "reset", reason, cursor: this.#cursor },
      { type: "cursor", seq: this.#cursor },
    ];
  }

  /** Receiver duties: apply only last+1, skip what is already applied, reconnect on a gap. */
  #msgs(items: readonly StoredMsg[], conn: Conn, now: number): SyncAction[] {
    if (this.#phase !== "replay" && this.#phase !== "live") return [warn("msgs before welcome")];
    const out: SyncAction[] = [];
    const before = this.#cursor ?? 0;
    let last = before;
    for (const msg of items) {
      if (msg.seq <= last) continue;
      if (msg.seq !== last + 1) {
        this.#cursor = last;
        if (last > before) out.push({ type: "cursor", seq: last });
        return [...out, ...this.#drop(`gap: expected seq ${last + 1}, got ${msg.seq}`)];
      }
      last = msg.seq;
      out.push({ type: "apply", msg });
    }
    this.#cursor = last;
    if (last === before) return out;
    out.push({ type: "cursor", seq: last });
    if (last - conn.ackedUpTo >= SyncDefaults.ackEveryMsgs) return [...out, ...this.#ack(conn)];
    conn.ackDueAt ??= now + SyncDefaults.ackEveryMs;
    return out;
  }

  #acked(acks: readonly AckItem[], conn: Conn, now: number): SyncAction[] {
    const done = acks.filter((a) => this.#outbox.delete(a.mid));
    for (const a of acks) conn.inflight?.delete(a.mid);
    const out: SyncAction[] = done.length > 0 ? [{ type: "acked", acks: done }] : [];
    return [...out, ...this.#settle(conn, now)];
  }

  #error(f: ErrorFrame, conn: Conn, now: number): SyncAction[] {
    if (f.mid !== undefined && REFUSALS.has(f.code)) {
      const known = this.#outbox.delete(f.mid);
      conn.inflight?.delete(f.mid);
      const out: SyncAction[] = known
        ? [{ type: "rejected", mid: f.mid, code: f.code, message: f.message }]
        : [];
      return [...out, ...this.#settle(conn, now)];
    }
    const log: SyncAction = { type: "log", level: "warn", message: `relay error ${f.code}: ${f.message}` };
    if (f.mid !== undefined || !FRAME_LOST.has(f.code) || !conn.inflight) return [log];
    // The frame in flight was dropped whole; its acks may still come, and a resend only dedupes.
    conn.inflight = null;
    conn.resendAt = now + (f.retryAfterMs ?? SyncDefaults.ackEveryMs);
    return [log];
  }

  /** The frame in flight is answered in full: the next batch may go. */
  #settle(conn: Conn, now: number): SyncAction[] {
    if (conn.inflight && conn.inflight.size > 0) return [];
    conn.inflight = null;
    return this.#flush(conn, now);
  }

  #flush(conn: Conn, now: number): SyncAction[] {
    if (this.#phase !== "replay" && this.#phase !== "live") return [];
    if (conn.inflight || now < conn.resendAt) return [];
    const batch = nextBatch(this.#outbox.values());
    if (batch.length === 0) return [];
    const r = take(conn.bucket, batch.length, now, SyncDefaults.pace.perSecond, SyncDefaults.pace.burst);
    conn.bucket = r.bucket;
    if (!r.ok) {
      conn.paceAt = now + r.retryAfterMs;
      return [];
    }
    conn.paceAt = null;
    conn.inflight = new Set(batch.map((e) => e.mid));
    return [{ type: "send", text: `{"t":"send","msgs":[${batch.map((e) => e.json).join(",")}]}` }];
  }

  #ack(conn: Conn): SyncAction[] {
    conn.ackDueAt = null;
    if (this.#cursor === null || this.#cursor <= conn.ackedUpTo) return [];
    conn.ackedUpTo = this.#cursor;
    return [{ type: "send", text: JSON.stringify({ t: "ack", upTo: this.#cursor }) }];
  }

  #drop(reason: string): SyncAction[] {
    return [...this.#to("dropping"), { type: "drop", reason }];
  }

  #to(phase: Phase): SyncAction[] {
    if (this.#phase === phase) return [];
    this.#phase = phase;
    return [{ type: "phase", phase }];
  }

  #pingEvery(): number | null {
    return this.#cfg.pingEveryMs === undefined ? SyncDefaults.pingEveryMs : this.#cfg.pingEveryMs;
  }
}

function isOpen(phase: Phase): boolean {
  return phase === "hello" || phase === "replay" || phase === "live";
}

function warn(message: string): SyncAction {
  return { type: "log", level: "warn", message };
}

function focusFrame(on: boolean): SyncAction {
  return { type: "send", text: JSON.stringify({ t: "focus", on }) };
}
