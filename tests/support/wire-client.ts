import WebSocket from "ws";
import {
  type AckItem,
  type ErrorFrame,
  type Gone,
  Limits,
  type OutMsg,
  RelayFrame,
  type SignalIn,
  type StoredMsg,
  type Welcome,
} from "../../shared/protocol/index.ts";

export type Closed = { code: number; reason: string };

/** What became of one `send` frame. `sentAt` is `performance.now()` just before it was written. */
export type WireSendResult =
  | { status: "acked"; acks: AckItem[]; refused: ErrorFrame[]; sentAt: number }
  | { status: "error"; error: ErrorFrame; sentAt: number }
  | { status: "closed"; closed: Closed; sentAt: number | null };

export type HelloOptions = { cid: string; epoch?: number; since?: number | null; tail?: number };

export type ClientOptions = {
  /** Ack up to `last` after every `msgs` frame (default true). */
  autoAck?: boolean;
  /** Pace sends below the relay's per-socket token bucket (default 90 % of it); null turns it off. */
  pace?: { perSecond: number; burst: number } | null;
  /** Called for every applied message; `receivedAt` is `performance.now()` when its frame arrived. */
  onMsg?: (msg: StoredMsg, receivedAt: number) => void;
  /** Called for every signal another socket of the room sent (never stored, so never replayed). */
  onSignal?: (signal: SignalIn) => void;
  /** The dial fails (rejects) if the upgrade is not answered by then; default 30 s. */
  handshakeTimeoutMs?: number;
};

/** A dial that nobody answers (a relay mid-restart, a black-holed proxy) fails instead of hanging. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

export class ClosedError extends Error {
  readonly closed: Closed;
  constructor(closed: Closed, waitingFor: string) {
    super(`socket closed (${closed.code} ${closed.reason}) while waiting for ${waitingFor}`);
    this.closed = closed;
  }
}

type Pending = {
  outstanding: Set<string>;
  acks: AckItem[];
  refused: ErrorFrame[];
  sentAt: number;
  resolve: (r: WireSendResult) => void;
};
type Waiter = { t: RelayFrame["t"]; resolve: (f: RelayFrame) => void; reject: (e: Error) => void };

/**
 * A small protocol client over `ws` for tests and benchmarks (docs/protocol.md §5): applies only
 * `seq === last + 1`, acks, correlates `acked` with the frame that carried each mid, and checks
 * every incoming frame against the shared zod schemas.
 */
export class WireClient {
  /** The last applied seq. */
  last = 0;
  welcome: Welcome | null = null;
  gone: Gone | null = null;
  caughtUp: number | null = null;
  /** Items skipped because `seq ≤ last` (re-deliveries) or because a seq was missing. */
  stale = 0;
  gaps = 0;
  errors: ErrorFrame[] = [];
  /** Frames that broke the wire contract. A correct relay leaves this empty. */
  violations: string[] = [];
  readonly closed: Promise<Closed>;
  #ws: WebSocket;
  #options: ClientOptions;
  #pending: Pending[] = [];
  #waiters = new Set<Waiter>();
  #writes: Promise<void> = Promise.resolve();
  #bucket: { tokens: number; at: number };
  #closedWith: Closed | null = null;

  /** Opens a socket to `room`; resolves once it is open (auth failures close right after). */
  static open(wsUrl: string, room: string, token: string, options: ClientOptions = {}): Promise<WireClient> {
    const ws = new WebSocket(`${wsUrl}/v1/rooms/${room}`, ["tether.v1", `bearer.${token}`], {
      handshakeTimeout: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    });
    const client = new WireClient(ws, options);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  private constructor(ws: WebSocket, options: ClientOptions) {
    this.#ws = ws;
    this.#options = options;
    const pace = this.#pace();
    this.#bucket = { tokens: pace?.burst ?? 0, at: performance.now() };
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("error", (err) => this.violations.push(`socket error: ${err.message}`));
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve(this.#onClose({ code, reason: reason.toString() })));
    });
  }

  /**
   * Says hello and resolves with the welcome; replay (and then live messages) follows. An error
   * frame in its place (a bridge hello without an epoch is `bad_frame`) rejects at once, rather
   * than when the relay closes the silent socket 90 s later.
   */
  async hello(h: HelloOptions): Promise<Welcome> {
    const welcome = this.next("welcome");
    const refused = this.next("error").then((e): never => {
      throw new Error(`hello answered with error ${e.code}`);
    });
    this.#write({ t: "hello", v: 2, ...h });
    return Promise.race([welcome, refused]);
  }

  /** Resolves with `head` once `caught_up` has arrived. */
  async untilCaughtUp(): Promise<number> {
    if (this.caughtUp !== null) return this.caughtUp;
    return (await this.next("caught_up")).head;
  }

  /** Sends one `send` frame (after pacing) and resolves when every mid is acked or refused. */
  send(msgs: readonly OutMsg[]): Promise<WireSendResult> {
    return new Promise((resolve) => {
      this.#writes = this.#writes.then(async () => {
        await this.#paced(msgs.length);
        if (this.#closedWith) return resolve({ status: "closed", closed: this.#closedWith, sentAt: null });
        const outstanding = new Set(msgs.map((m) => m.mid));
        const sentAt = performance.now();
        this.#pending.push({ outstanding, acks: [], refused: [], sentAt, resolve });
        this.#write({ t: "send", msgs });
      });
    });
  }

  /**
   * Sends a `send` frame written by hand (for bodies JSON.stringify cannot write, such as one nested
   * 10,000 deep) and resolves like `send` once every one of `mids` is acked or refused.
   */
  sendText(text: string, mids: readonly string[]): Promise<WireSendResult> {
    return new Promise((resolve) => {
      this.#writes = this.#writes.then(async () => {
        await this.#paced(mids.length);
        if (this.#closedWith) return resolve({ status: "closed", closed: this.#closedWith, sentAt: null });
        const sentAt = performance.now();
        this.#pending.push({ outstanding: new Set(mids), acks: [], refused: [], sentAt, resolve });
        if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(text);
      });
    });
  }

  ack(upTo: number): void {
    this.#write({ t: "ack", upTo });
  }

  /** Says the page shows this room, visible and focused, or no longer (docs/protocol.md §11.3). */
  focus(on: boolean): void {
    this.#write({ t: "focus", on });
  }

  /** The next frame of type `t`, or a ClosedError if the socket closes first. */
  next<T extends RelayFrame["t"]>(t: T): Promise<Extract<RelayFrame, { t: T }>> {
    if (this.#closedWith) return Promise.reject(new ClosedError(this.#closedWith, t));
    return new Promise((resolve, reject) => {
      this.#waiters.add({ t, resolve: (f) => resolve(f as Extract<RelayFrame, { t: T }>), reject });
    });
  }

  async close(code = 1000, reason = "bye"): Promise<Closed> {
    if (!this.#closedWith) this.#ws.close(code, reason);
    return this.closed;
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const receivedAt = performance.now();
    const text = data.toString();
    if (isBinary || text === "pong") return void (isBinary && this.violations.push("binary frame"));
    let parsed: ReturnType<typeof RelayFrame.safeParse>;
    try {
      parsed = RelayFrame.safeParse(JSON.parse(text));
    } catch (err) {
      return void this.violations.push(`not JSON: ${(err as Error).message}`);
    }
    if (!parsed.success) return void this.violations.push(`bad frame ${text.slice(0, 200)}`);
    const frame = parsed.data;
    if (frame.t === "welcome") [this.welcome, this.last] = [frame, frame.resumeFrom - 1];
    else if (frame.t === "gone") [this.gone, this.last] = [frame, frame.resumeFrom - 1];
    else if (frame.t === "msgs") this.#apply(frame.items, receivedAt);
    else if (frame.t === "caught_up") this.caughtUp = frame.head;
    else if (frame.t === "acked") this.#onAcked(frame.acks);
    else if (frame.t === "error") this.#onError(frame);
    else if (frame.t === "signal") this.#options.onSignal?.(frame);
    for (const w of this.#waiters) {
      if (w.t !== frame.t) continue;
      this.#waiters.delete(w);
      w.resolve(frame);
    }
  }

  #apply(items: readonly StoredMsg[], receivedAt: number): void {
    for (const msg of items) {
      if (msg.seq <= this.last) this.stale++;
      else if (msg.seq !== this.last + 1) this.gaps++;
      else {
        this.last = msg.seq;
        this.#options.onMsg?.(msg, receivedAt);
      }
    }
    if (this.#options.autoAck !== false && items.length > 0) this.ack(this.last);
  }

  #onAcked(acks: readonly AckItem[]): void {
    for (const ack of acks) {
      const entry = this.#pending.find((p) => p.outstanding.has(ack.mid));
      if (!entry) {
        this.violations.push(`ack for unknown mid ${ack.mid}`);
        continue;
      }
      entry.acks.push(ack);
      this.#settle(entry, ack.mid);
    }
  }

  /**
   * An error with a mid refuses that message only. One without a mid (rate_limited, fenced,
   * bad_frame, …) answers a whole frame; frames are answered in order, so it is the oldest pending.
   */
  #onError(error: ErrorFrame): void {
    this.errors.push(error);
    const mid = error.mid;
    if (mid !== undefined) {
      const entry = this.#pending.find((p) => p.outstanding.has(mid));
      if (entry) {
        entry.refused.push(error);
        this.#settle(entry, mid);
      }
      return;
    }
    const oldest = this.#pending.shift();
    oldest?.resolve({ status: "error", error, sentAt: oldest.sentAt });
  }

  #settle(entry: Pending, mid: string): void {
    entry.outstanding.delete(mid);
    if (entry.outstanding.size > 0) return;
    this.#pending.splice(this.#pending.indexOf(entry), 1);
    entry.resolve({ status: "acked", acks: entry.acks, refused: entry.refused, sentAt: entry.sentAt });
  }

  #onClose(closed: Closed): Closed {
    this.#closedWith = closed;
    for (const p of this.#pending.splice(0)) p.resolve({ status: "closed", closed, sentAt: p.sentAt });
    for (const w of this.#waiters) w.reject(new ClosedError(closed, w.t));
    this.#waiters.clear();
    return closed;
  }

  #write(frame: object): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #pace(): { perSecond: number; burst: number } | null {
    if (this.#options.pace === null) return null;
    return this.#options.pace ?? { perSecond: Limits.ratePerSecond * 0.9, burst: Limits.rateBurst * 0.9 };
  }

  /** A token bucket like the relay's, so a paced sender is never answered rate_limited. */
  async #paced(n: number): Promise<void> {
    const pace = this.#pace();
    if (!pace) return;
    for (;;) {
      const now = performance.now();
      const b = this.#bucket;
      b.tokens = Math.min(pace.burst, b.tokens + ((now - b.at) * pace.perSecond) / 1000);
      b.at = now;
      if (b.tokens >= n || this.#closedWith) {
        b.tokens -= n;
        return;
      }
      await new Promise((r) => setTimeout(r, ((n - b.tokens) * 1000) / pace.perSecond));
    }
  }
}
