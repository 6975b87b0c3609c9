import { connect, createServer, type Server, type Socket } from "node:net";
import { listenLoopback } from "./listen-loopback.ts";

/**
 * A TCP proxy on loopback that a test controls, to be the phone's network: Chromium's offline
 * emulation freezes WebSockets instead of dropping them, so a lost network is simulated here.
 *
 *   const proxy = new TcpProxy();
 *   const port = await proxy.start(relay.port);  // load the page from proxy.url
 *   proxy.cut();      // live connections are destroyed, new ones are refused (reset)
 *   proxy.restore();  // new connections pass again
 *   proxy.stall();    // live connections stay open but stop carrying bytes (a dead link)
 *   proxy.stall("down", websockets);  // only WebSockets, only relay → phone
 *   proxy.stallAfter(1e6, "up", websockets);  // a megabyte more phone → relay, then a stall
 *   proxy.blackhole(); // new connections are accepted but carry nothing, until restore()
 *   proxy.latency(200);
 *
 * Connections opened after a stall pass normally (a reload gets through while the old socket
 * hangs); bytes held by a stall are forwarded by unstall() or dropped when the connection ends.
 */
export type Direction = "up" | "down" | "both";

type Pipe = {
  from: Socket;
  to: Socket;
  held: boolean;
  /** Bytes it may still carry before it stalls by itself (stallAfter); null: no limit. */
  budget: number | null;
  /** `from` sent its FIN: pass it on once the queue is written. */
  ended: boolean;
  queue: { at: number; data: Buffer }[];
  timer: NodeJS.Timeout | null;
};
type Link = { client: Socket; upstream: Socket; up: Pipe; down: Pipe; head: string };

/** For stall(): only links whose first request was a WebSocket upgrade. */
export const websockets = (head: string): boolean => /\r\nupgrade:\s*websocket/i.test(head);

export class TcpProxy {
  #server: Server | null = null;
  #links = new Set<Link>();
  #cut = false;
  #blackhole = false;
  #latencyMs = 0;
  #targetPort = 0;
  #targetHost = "127.0.0.1";
  /** How many connections were accepted, and refused while cut (for assertions and failure messages). */
  accepted = 0;
  refused = 0;
  port = 0;

  /** Listens on a free loopback port and forwards to `targetHost:targetPort`; returns its port. */
  async start(targetPort: number, targetHost = "127.0.0.1"): Promise<number> {
    this.#targetPort = targetPort;
    this.#targetHost = targetHost;
    const server = createServer((client) => this.#accept(client));
    this.#server = server;
    this.port = await listenLoopback(server);
    return this.port;
  }

  /** The proxy's HTTP origin (the page must be loaded from it for its WebSockets to pass here). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.#cut;
  }

  /** Live connections right now. */
  get live(): number {
    return this.#links.size;
  }

  /** The network goes away: every live connection is destroyed and new ones are reset at once. */
  cut(): void {
    this.#cut = true;
    for (const link of [...this.#links]) this.#end(link);
  }

  /** New connections pass again (after cut() or blackhole()). */
  restore(): void {
    this.#cut = false;
    this.#blackhole = false;
  }

  /**
   * From now on, new connections are accepted and then carry nothing, in either direction: a
   * link that looks up but is dead (a captive portal, Wi-Fi the phone still clings to). Live
   * connections go on. restore() ends it for new connections; unstall() frees the held ones.
   */
  blackhole(): void {
    this.#blackhole = true;
  }

  /**
   * Live connections stop carrying bytes in `direction` without closing: what a dead Wi-Fi link
   * looks like to both ends. `which` picks links by the head of their first request (see
   * `websockets`). Connections opened later are not affected. Returns how many links stalled.
   */
  stall(direction: Direction = "both", which: (head: string) => boolean = () => true): number {
    let n = 0;
    for (const link of this.#links) {
      if (!which(link.head)) continue;
      n++;
      if (direction !== "down") link.up.held = true;
      if (direction !== "up") link.down.held = true;
    }
    return n;
  }

  /**
   * Live connections carry `bytes` more in `direction`, then stall as stall() does: a link that
   * dies in the middle of a long upload. Returns how many links got the limit.
   */
  stallAfter(
    bytes: number,
    direction: Direction = "up",
    which: (head: string) => boolean = () => true,
  ): number {
    let n = 0;
    for (const link of this.#links) {
      if (!which(link.head)) continue;
      n++;
      if (direction !== "down") link.up.budget = bytes;
      if (direction !== "up") link.down.budget = bytes;
    }
    return n;
  }

  /** Forwards what a stall held, and carries on. */
  unstall(): void {
    for (const link of this.#links) {
      for (const pipe of [link.up, link.down]) {
        pipe.held = false;
        pipe.budget = null;
        this.#pump(pipe);
      }
    }
  }

  /** Delays every chunk by `ms` in each direction (order is kept). */
  latency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    client.setNoDelay(true);
    const upstream = connect(this.#targetPort, this.#targetHost);
    upstream.setNoDelay(true);
    const pipe = (from: Socket, to: Socket): Pipe => ({
      from,
      to,
      held: false,
      budget: null,
      ended: false,
      queue: [],
      timer: null,
    });
    const link: Link = {
      client,
      upstream,
      up: pipe(client, upstream),
      down: pipe(upstream, client),
      head: "",
    };
    this.#links.add(link);
    if (this.#blackhole) {
      link.up.held = true;
      link.down.held = true;
    }
    for (const p of [link.up, link.down]) {
      p.from.on("data", (data: Buffer) => {
        if (p === link.up && link.head === "") link.head = data.toString("latin1", 0, 4096);
        p.queue.push({ at: Date.now() + this.#latencyMs, data });
        this.#pump(p);
      });
      p.from.on("end", () => {
        // A side that hangs up while its link is stalled takes the link down (held bytes are lost).
        if (p.held) return this.#end(link);
        p.ended = true;
        this.#pump(p);
      });
    }
    const end = () => this.#end(link);
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.on("close", () => {
        if (client.destroyed && upstream.destroyed) this.#links.delete(link);
        else if (s.destroyed && !(link.up.ended || link.down.ended)) end();
      });
    }
  }

  /** Writes what is due, in order; waits for the next chunk's time under latency. */
  #pump(p: Pipe): void {
    if (p.timer) return;
    while (!p.held && p.queue.length > 0) {
      const next = p.queue[0];
      if (!next) break;
      const wait = next.at - Date.now();
      if (wait > 0) {
        p.timer = setTimeout(() => {
          p.timer = null;
          this.#pump(p);
        }, wait);
        return;
      }
      if (p.budget !== null && next.data.length > p.budget) {
        // The rest of this chunk waits for unstall(); what fits the budget goes.
        const now = next.data.subarray(0, p.budget);
        next.data = next.data.subarray(p.budget);
        if (now.length > 0 && !p.to.destroyed) p.to.write(now);
        p.budget = 0;
        p.held = true;
        break;
      }
      p.queue.shift();
      if (p.budget !== null) p.budget -= next.data.length;
      if (!p.to.destroyed) p.to.write(next.data);
    }
    if (!p.held && p.ended && p.queue.length === 0 && !p.to.destroyed) p.to.end();
  }

  #end(link: Link): void {
    if (!this.#links.delete(link)) return;
    for (const p of [link.up, link.down]) {
      if (p.timer) clearTimeout(p.timer);
      p.timer = null;
      p.queue.length = 0;
    }
    // A reset, not a FIN: the far end learns at once, as when a network path disappears.
    for (const s of [link.client, link.upstream]) if (!s.destroyed) s.resetAndDestroy();
  }
}
