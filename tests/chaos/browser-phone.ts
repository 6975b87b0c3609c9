import type { Browser, BrowserContext, Page, WebSocket as PageSocket } from "playwright-core";
import { RelayFrame, type StoredMsg } from "../../shared/protocol/index.ts";
import { phoneContext } from "../support/browser.ts";
import { plainOf } from "./chaos-seal.ts";
import { keyOf, msgDigest, runDigest } from "./digest.ts";
import type { History } from "./history.ts";
import type { KeyGranter } from "./key-granter.ts";
import { IDB_WATCH, IdbCommit, Mirror, readMirror, runs } from "./page-probe.ts";
import type { ChaosProxy } from "./proxy.ts";

export type BrowserPhoneOptions = {
  history: History;
  name: string;
  browser: Browser;
  proxy: ChaosProxy;
  room: string;
  /** Makes the pairing link and grants the room's key once the app enrolls. */
  granter: KeyGranter;
  /** The room's end-to-end key, to read what the app queues (sealed) by its send key. */
  roomKey: string;
};

const WAIT_MS = 60_000;

/**
 * A phone: the real web app in Chromium, loaded through its own chaos proxy, paired by link,
 * sending through the composer. Its history comes from the WebSocket frames the page exchanges
 * and from its IndexedDB commits (queued, applied, cursor).
 */
export class BrowserPhone {
  readonly name: string;
  context!: BrowserContext;
  page!: Page;
  /** The last cursor the app committed for the room. */
  cursor: number | null = null;
  /** Queued by the app and not yet acknowledged. */
  readonly pending = new Set<string>();
  cid = "";
  /** The page's console warnings and errors, and what could not be observed. */
  readonly notes: string[] = [];
  #o: BrowserPhoneOptions;
  #keys = new Map<string, string>();
  #queuedKeys = new Set<string>();
  #acked = new Set<string>();
  /** The last commit report seen from each document (page-probe.ts numbers them). */
  #reports = new Map<string, number>();
  #lastKey: string | null = null;
  #loads = 0;

  constructor(o: BrowserPhoneOptions) {
    this.#o = o;
    this.name = o.name;
  }

  async start(): Promise<void> {
    const o = this.#o;
    this.context = await phoneContext(o.browser);
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(WAIT_MS);
    await this.page.exposeBinding("__chaosIdb", (_src, payload: unknown) => this.#onCommit(payload));
    await this.page.addInitScript({ content: IDB_WATCH });
    this.page.on("websocket", (ws) => this.#watch(ws));
    this.page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") this.notes.push(`${m.type()}: ${m.text()}`);
    });
    this.page.on("pageerror", (err) => this.notes.push(`pageerror: ${err.message}`));
    const url = await o.granter.link();
    await this.page.goto(`${o.proxy.url}/pair${new URL(url).hash}`);
    await this.page.waitForURL(/\/m\//);
    await o.granter.grant();
    await o.granter.close();
    this.#started();
    await this.#open(() => this.page.goto(`${o.proxy.url}/s/${o.room}`));
  }

  /** Types a message and presses Send: the app queues it in IndexedDB, then sends it. */
  async send(key: string): Promise<void> {
    const box = this.page.getByLabel("Message to Claude");
    await box.fill(`ck:${key} from the phone's composer`);
    this.#o.history.add(this.name, { op: "send", key, outcome: "info" });
    this.#lastKey = key;
    await this.page.getByRole("button", { name: "Send", exact: true }).click();
  }

  /** Waits until the app has committed the last message to its IndexedDB outbox. */
  async queued(): Promise<void> {
    const key = this.#lastKey;
    await this.#o.history.until(
      () => key === null || this.#queuedKeys.has(key),
      WAIT_MS,
      `${key} to be queued`,
    );
  }

  /**
   * A reload, whatever the app is doing; retried while the relay (which serves the app) is down.
   * The old document runs on until the new one commits (seconds, through a dead link), and what it
   * does meanwhile may never be reported: for the checker this is a crash and a new incarnation,
   * whose cursor is the one the new document says hello with.
   */
  async reload(): Promise<void> {
    this.#o.history.add(this.name, { op: "crash", outcome: "info" });
    this.#started();
    await this.#open(() => this.page.reload());
  }

  async offline(on: boolean): Promise<void> {
    await this.context.setOffline(on);
    // Chromium's offline mode leaves open WebSockets alone; a phone losing its network does not.
    if (on) this.#o.proxy.cut();
  }

  /** The network is back: the `online` event makes the app dial at once instead of backing off. */
  async online(): Promise<void> {
    await this.context.setOffline(true);
    await this.context.setOffline(false);
    if (!(await this.#composerReady())) await this.reload();
  }

  /**
   * The app's local mirror of the room (IndexedDB `log`) and its cursor, read in the page: what a
   * reload would show. After convergence it must hold a gap-free run ending at the head.
   */
  async mirror(): Promise<{ rows: StoredMsg[]; cursor: number | null }> {
    return Mirror.parse(await this.page.evaluate(readMirror(this.#o.room)));
  }

  async close(): Promise<void> {
    await this.context?.close();
  }

  async #open(load: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + WAIT_MS * 2;
    for (;;) {
      const ok = await load().then(
        () => this.#composerReady(),
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${this.name}: the app did not load`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  #started(): void {
    this.#o.history.add(this.name, {
      op: "start",
      incarnation: ++this.#loads,
      cursor: null,
      epoch: null,
      outcome: "ok",
    });
  }

  /**
   * The composer takes text, and the app holds the room's key: until it has read its grant (or
   * loaded the key from IndexedDB after a reload) Send keeps the text and queues nothing.
   */
  async #composerReady(): Promise<boolean> {
    const ok = () => true;
    const no = () => false;
    const enabled = await this.page
      .locator("#composer-text:not([disabled])")
      .waitFor({ timeout: 15_000 })
      .then(ok, no);
    if (!enabled) return false;
    return this.page.getByTestId("waiting-key").waitFor({ state: "detached", timeout: WAIT_MS }).then(ok, no);
  }

  #onCommit(payload: unknown): void {
    const h = this.#o.history;
    const parsed = IdbCommit.safeParse(payload);
    if (!parsed.success) return void this.notes.push(`unreadable IndexedDB commit: ${parsed.error.message}`);
    const c = parsed.data;
    const before = this.#reports.get(c.doc) ?? 0;
    if (c.n !== before + 1)
      this.notes.push(`IndexedDB commit report ${c.n} of document ${c.doc} came after ${before}`);
    this.#reports.set(c.doc, Math.max(before, c.n));
    const room = this.#o.room;
    for (const q of c.outbox.filter((r) => r.room === room)) {
      const key = keyOf(plainOf(this.#o.roomKey, { ...q, body: JSON.parse(q.bodyJson) }, room));
      if (!key) continue;
      this.#keys.set(q.mid, key);
      this.#queuedKeys.add(key);
      // The commit's report may come after the ack of the frame the app sent right after it.
      if (!this.#acked.has(q.mid)) this.pending.add(q.mid);
      h.add(this.name, { op: "queued", key, mid: q.mid, outcome: "ok" });
    }
    const cursor = c.cursors.find((x) => x.room === room)?.seq;
    // Log rows without a cursor are a history page (scroll-back), not applied messages.
    if (cursor === undefined) return;
    // Before the events: whoever waits on them reads the new cursor.
    this.cursor = cursor;
    for (const run of runs(c.log.filter((m) => m.room === room))) {
      const first = run[0];
      if (!first) continue;
      h.add(this.name, {
        op: "apply",
        seq: first.seq,
        n: run.length,
        digest: runDigest(run.map(msgDigest)),
        outcome: "ok",
      });
    }
  }

  #watch(ws: PageSocket): void {
    if (!ws.url().includes(`/v1/rooms/${this.#o.room}`)) return;
    const h = this.#o.history;
    let welcomed = false;
    ws.on("framesent", (f) => {
      const frame = this.#json(f.payload, "sent");
      const t = typeof frame === "object" && frame !== null ? Reflect.get(frame, "t") : null;
      if (t !== "hello") return;
      const since = Reflect.get(frame as object, "since");
      this.cid = String(Reflect.get(frame as object, "cid"));
      h.add(this.name, {
        op: "hello",
        since: typeof since === "number" ? since : null,
        epoch: null,
        outcome: "info",
      });
    });
    ws.on("framereceived", (f) => {
      const value = this.#json(f.payload, "received");
      if (value === null) return;
      const parsed = RelayFrame.safeParse(value);
      if (!parsed.success)
        return void this.notes.push(`unreadable frame: ${parsed.error.message.slice(0, 200)}`);
      if (parsed.data.t === "welcome") welcomed = true;
      this.#frame(parsed.data);
    });
    ws.on("socketerror", (message) => this.notes.push(`socket error: ${message}`));
    ws.on("close", () => {
      if (!welcomed)
        h.add(this.name, {
          op: "connect",
          outcome: "fail",
          head: null,
          resumeFrom: null,
          epoch: null,
          reason: "closed before welcome",
        });
      h.add(this.name, { op: "close", code: 0, reason: "page socket closed", outcome: "info" });
    });
  }

  /** A JSON frame as DevTools reported it; null for `pong`, binary, or what does not parse (noted). */
  #json(payload: string | Buffer, way: string): unknown {
    if (typeof payload !== "string" || !payload.startsWith("{")) return null;
    try {
      return JSON.parse(payload);
    } catch (err) {
      this.notes.push(`${way} frame of ${payload.length} chars is not JSON: ${(err as Error).message}`);
      return null;
    }
  }

  #frame(f: RelayFrame): void {
    const h = this.#o.history;
    const name = this.name;
    if (f.t === "welcome")
      h.add(name, {
        op: "connect",
        outcome: "ok",
        head: f.head,
        resumeFrom: f.resumeFrom,
        epoch: null,
        reason: "",
      });
    else if (f.t === "gone")
      h.add(name, { op: "gone", reason: f.reason, resumeFrom: f.resumeFrom, outcome: "ok" });
    else if (f.t === "msgs" && f.items.length > 0) {
      const first = f.items[0]?.seq ?? 0;
      h.add(name, {
        op: "recv",
        first,
        last: f.items.at(-1)?.seq ?? first,
        count: f.items.length,
        outcome: "ok",
      });
    } else if (f.t === "acked") {
      for (const a of f.acks) {
        this.pending.delete(a.mid);
        this.#acked.add(a.mid);
        h.add(name, {
          op: "ack",
          key: this.#keys.get(a.mid) ?? null,
          mid: a.mid,
          seq: a.seq,
          dup: a.dup === true,
          epoch: null,
          outcome: "ok",
        });
      }
    } else if (f.t === "error" && f.mid !== undefined) {
      this.pending.delete(f.mid);
      this.#acked.add(f.mid);
      h.add(name, {
        op: "refuse",
        key: this.#keys.get(f.mid) ?? null,
        mid: f.mid,
        code: f.code,
        outcome: "fail",
      });
    }
  }
}
