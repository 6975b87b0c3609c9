import { randomBytes } from "node:crypto";
import type { OutMsg, StoredMsg } from "../../shared/protocol/index.ts";
import { openMsg, type PhoneKeys } from "../support/phone-keys.ts";
import { WireClient } from "../support/wire-client.ts";

export type ConnOptions = {
  /** ws origin (the phones' proxy, or the relay itself for the observer). */
  wsUrl: () => string;
  token: string;
  room: string;
  cid: string;
  /** Called once per applied message (a fresh replay after a reload calls it again). */
  onMsg?: (m: StoredMsg) => void;
  /** The device's end-to-end keys: bodies are sealed before sending and opened when applied. */
  keys?: PhoneKeys;
  /** Something went wrong that a correct relay never does (for the report). */
  onViolation?: (what: string) => void;
};

/**
 * One phone's socket to one room, as the web app keeps it: a cursor, a durable outbox resent with
 * the same mids after every reconnect, and a dial loop with a short backoff while online. Every
 * wait is bounded by the socket's own close; nothing here sleeps for an event.
 */
export class RoomConn {
  readonly o: ConnOptions;
  /** The room as this phone applied it, from seq 1 (a reload replays it from scratch). */
  msgs: StoredMsg[] = [];
  /** Sent and not yet acknowledged, in order. */
  readonly outbox: OutMsg[] = [];
  /** mid → seq for every acknowledged send. */
  readonly acked = new Map<string, number>();
  online = true;
  connects = 0;
  #client: WireClient | null = null;
  #loop: Promise<void> | null = null;
  #stopped = false;
  #wakeup: (() => void) | null = null;
  /** Each queued message sealed once, so a resend sends the same bytes (as the app's outbox does). */
  readonly #sealed = new Map<string, OutMsg>();
  /** A reload asked for a fresh view: the next socket starts from seq 1. */
  #fresh = false;
  /** Counts sockets: frames still arriving on a socket being closed are not applied. */
  #generation = 0;

  constructor(o: ConnOptions) {
    this.o = o;
  }

  get last(): number {
    return this.msgs.at(-1)?.seq ?? 0;
  }

  get connected(): boolean {
    return this.#client !== null;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Queues a message (a fresh mid) and sends it when connected; returns the mid. */
  send(kind: string, body: unknown): string {
    const mid = `m_${randomBytes(12).toString("base64url")}`;
    const msg = { mid, kind, body } as OutMsg;
    this.outbox.push(msg);
    if (this.#client) this.#flush(this.#client, [msg]);
    return mid;
  }

  /** A reload: the socket goes, the view is rebuilt from seq 1 on the next connect. */
  reload(): void {
    this.#fresh = true;
    void this.#client?.close(4000, "reload");
  }

  /** Offline: the socket goes and no new one is dialled until online() (sends queue meanwhile). */
  offline(): void {
    this.online = false;
    void this.#client?.close(4000, "offline");
  }

  online_(): void {
    this.online = true;
    this.#wakeup?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.online = false;
    this.#wakeup?.();
    await this.#client?.close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      if (!this.online) {
        await new Promise<void>((r) => {
          this.#wakeup = r;
        });
        this.#wakeup = null;
        continue;
      }
      const opened = await this.#session().catch(() => false);
      attempt = opened ? 0 : attempt + 1;
      if (this.#stopped) break;
      // 100 ms … 1.6 s: a phone that comes back at once (the relay restarts in seconds).
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100 * 2 ** Math.min(attempt, 4));
        this.#wakeup = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wakeup = null;
    }
  }

  /** One socket's life: hello from the cursor, resend the outbox, run until it closes. */
  async #session(): Promise<boolean> {
    const generation = ++this.#generation;
    if (this.#fresh) [this.msgs, this.#fresh] = [[], false];
    const c = await WireClient.open(this.o.wsUrl(), this.o.room, this.o.token, {
      onMsg: (m) => {
        if (generation === this.#generation) this.#apply(m);
      },
    });
    try {
      await c.hello({ cid: this.o.cid, since: this.last });
    } catch {
      await c.close().catch(() => undefined);
      return false;
    }
    if (!this.online || this.#stopped) {
      await c.close();
      return true;
    }
    this.connects++;
    this.#client = c;
    this.#flush(c, [...this.outbox]);
    await c.closed;
    this.#client = null;
    for (const v of c.violations)
      if (!v.startsWith("socket error")) this.o.onViolation?.(`${this.o.cid}: ${v}`);
    return true;
  }

  #apply(m: StoredMsg): void {
    const expected = this.last + 1;
    if (m.seq !== expected)
      return this.o.onViolation?.(`${this.o.cid} applied seq ${m.seq}, expected ${expected}`);
    const opened = this.o.keys ? openMsg(this.o.keys, this.o.room, m) : m;
    this.msgs.push(opened);
    this.o.onMsg?.(opened);
    // A grant may bring the key that messages queued before it wait for.
    if (m.kind === "keys.grant" && this.#client) this.#flush(this.#client, [...this.outbox]);
  }

  /** The message as it goes on the wire: sealed once with the room's newest key; null without one. */
  #wire(msg: OutMsg): OutMsg | null {
    const keys = this.o.keys;
    if (!keys) return msg;
    const done = this.#sealed.get(msg.mid);
    if (done) return done;
    const body = keys.seal({ room: this.o.room, kind: msg.kind, mid: msg.mid }, msg.body);
    if (body === null) return null;
    const sealed = { ...msg, body } as OutMsg;
    this.#sealed.set(msg.mid, sealed);
    return sealed;
  }

  #flush(c: WireClient, msgs: OutMsg[]): void {
    for (const plain of msgs) {
      const msg = this.#wire(plain);
      if (msg === null) continue;
      void c.send([msg]).then((r) => {
        if (r.status === "closed") return; // resent on the next connect
        if (r.status === "error")
          return this.o.onViolation?.(`${this.o.cid} send ${msg.kind}: ${r.error.code}`);
        if (r.refused.length > 0)
          return this.o.onViolation?.(`${this.o.cid} ${msg.kind} refused: ${r.refused[0]?.code}`);
        for (const a of r.acks) this.acked.set(a.mid, a.seq);
        const i = this.outbox.findIndex((m) => m.mid === msg.mid);
        if (i >= 0) this.outbox.splice(i, 1);
      });
    }
  }
}
