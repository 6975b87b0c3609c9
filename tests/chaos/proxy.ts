import { connect, createServer, type Server, type Socket } from "node:net";
import { Rng } from "./random.ts";

/**
 * How the proxy treats bytes right now. Every direction of every connection reads it, so a fault
 * starts and ends for all of them at once.
 */
export type Shape = {
  /** One-way delay per chunk, plus a uniform jitter in [0, jitterMs]; order is always kept. */
  latencyMs: number;
  jitterMs: number;
  /** Bytes per second per direction; null: as fast as loopback goes. */
  bytesPerSecond: number | null;
  /** Every byte written on its own (Nagle off), so the far end reads 1-byte segments. */
  slice: boolean;
  /**
   * A black hole: nothing moves in either direction, and no FIN or RST is sent. Bytes wait, as
   * they would in TCP retransmission; whether a connection survives is up to its heartbeat.
   */
  stalled: boolean;
};

const CLEAR: Shape = { latencyMs: 0, jitterMs: 0, bytesPerSecond: null, slice: false, stalled: false };
/** Stop reading a sender once this much waits in a pipe (a throttled link pushes back). */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** A throttled pipe writes this many times a second. */
const THROTTLE_TICKS = 20;

/**
 * A TCP proxy on loopback between clients and the relay that cuts (RST both ways), black-holes,
 * delays with jitter, throttles, and slices into 1-byte segments. It knows nothing of WebSocket:
 * faults land wherever they land in the byte stream, mid-frame included.
 */
export class ChaosProxy {
  readonly name: string;
  readonly port: number;
  #target: number;
  #server: Server;
  #conns = new Set<Conn>();
  #shape: Shape = { ...CLEAR };
  #healed: { promise: Promise<void>; resolve: () => void } | null = null;
  #rng: Rng;
  #taps = new Set<Tap>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(name: string, server: Server, port: number, target: number, seed: number) {
    this.name = name;
    this.#server = server;
    this.port = port;
    this.#target = target;
    this.#rng = new Rng(seed);
  }

  static async start(name: string, targetPort: number, seed = 1): Promise<ChaosProxy> {
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const a = server.address();
        resolve(typeof a === "object" && a ? a.port : 0);
      });
    });
    const proxy = new ChaosProxy(name, server, port, targetPort, seed);
    server.on("connection", (client) => proxy.#accept(client));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get shape(): Readonly<Shape> {
    return this.#shape;
  }

  connections(): number {
    return this.#conns.size;
  }

  /** Resets every open connection at once, both ways, mid-frame wherever it is. */
  cut(): number {
    const n = this.#conns.size;
    for (const c of [...this.#conns]) c.reset();
    return n;
  }

  blackhole(): void {
    this.#set({ stalled: true });
  }

  latency(ms: number, jitterMs: number): void {
    this.#set({ latencyMs: ms, jitterMs });
  }

  /** A 2G link: a few KB/s each way plus its latency. */
  throttle(bytesPerSecond: number, latencyMs: number): void {
    this.#set({ bytesPerSecond, latencyMs, jitterMs: latencyMs / 4 });
  }

  slice(): void {
    this.#set({ slice: true });
  }

  /**
   * Calls `tap` after each chunk has been handed on (`up`: client to relay), so that a fault can
   * be timed by the traffic itself, e.g. a kill right after a send frame reached the relay.
   */
  tap(tap: Tap): () => void {
    this.#taps.add(tap);
    return () => this.#taps.delete(tap);
  }

  forwarded(up: boolean, bytes: number): void {
    for (const t of this.#taps) t(up, bytes);
  }

  /** Ends every fault; held bytes flow again. */
  heal(): void {
    this.#shape = { ...CLEAR };
    this.#healed?.resolve();
    this.#healed = null;
  }

  /** Resolves at once unless black-holed; then when healed. */
  flowing(): Promise<void> {
    if (!this.#shape.stalled) return Promise.resolve();
    if (!this.#healed) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#healed = { promise, resolve };
    }
    return this.#healed.promise;
  }

  /** When a chunk arriving now may leave: after the latency, never before an earlier chunk. */
  due(previous: number): number {
    const { latencyMs, jitterMs } = this.#shape;
    const delay = latencyMs + (jitterMs > 0 ? this.#rng.next() * jitterMs : 0);
    return Math.max(previous, performance.now() + delay);
  }

  async close(): Promise<void> {
    this.heal();
    for (const c of [...this.#conns]) c.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #set(patch: Partial<Shape>): void {
    this.#shape = { ...this.#shape, ...patch };
  }

  #accept(client: Socket): void {
    this.accepted++;
    const upstream = connect({ port: this.#target, host: "127.0.0.1", allowHalfOpen: true, noDelay: true });
    const conn = new Conn(this, client, upstream);
    this.#conns.add(conn);
    conn.closed.then(() => this.#conns.delete(conn));
  }
}

export type Tap = (up: boolean, bytes: number) => void;

type Item = { data: Buffer | "end"; due: number };

/** One accepted client and its upstream socket: two pipes, closed together. */
class Conn {
  readonly closed: Promise<void>;
  #client: Socket;
  #upstream: Socket;
  #done = false;

  constructor(proxy: ChaosProxy, client: Socket, upstream: Socket) {
    this.#client = client;
    this.#upstream = upstream;
    new Pipe(proxy, client, upstream, true, () => this.reset());
    new Pipe(proxy, upstream, client, false, () => this.reset());
    let closes = 0;
    // Graceful closes travel as "end" through the pipes; resets through the error handlers.
    this.closed = new Promise((resolve) => {
      const onClose = () => {
        if (++closes === 2) resolve();
      };
      client.on("close", onClose);
      upstream.on("close", onClose);
    });
    client.on("error", () => this.reset());
    // ECONNREFUSED while the relay restarts: the client sees a reset, as it would without a proxy.
    upstream.on("error", () => this.reset());
  }

  reset(): void {
    if (this.#done) return;
    this.#done = true;
    for (const s of [this.#client, this.#upstream]) if (!s.destroyed) s.resetAndDestroy();
  }
}

/** One direction: a queue of chunks, let out according to the proxy's shape. */
class Pipe {
  #proxy: ChaosProxy;
  #src: Socket;
  #dst: Socket;
  #queue: Item[] = [];
  #queued = 0;
  #pumping = false;
  #lastDue = 0;
  #up: boolean;
  #fail: () => void;

  constructor(proxy: ChaosProxy, src: Socket, dst: Socket, up: boolean, fail: () => void) {
    this.#up = up;
    this.#proxy = proxy;
    this.#src = src;
    this.#dst = dst;
    this.#fail = fail;
    src.on("data", (chunk: Buffer) => this.#push(chunk));
    src.on("end", () => this.#push("end"));
  }

  #push(data: Buffer | "end"): void {
    this.#lastDue = this.#proxy.due(this.#lastDue);
    this.#queue.push({ data, due: this.#lastDue });
    if (data !== "end") {
      this.#queued += data.length;
      if (this.#queued > HIGH_WATER) this.#src.pause();
    }
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let item = this.#queue[0]; item !== undefined; item = this.#queue[0]) {
        await this.#proxy.flowing();
        const wait = item.due - performance.now();
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        this.#queue.shift();
        if (this.#dst.destroyed) return;
        if (item.data === "end") this.#dst.end();
        else {
          await this.#write(item.data);
          this.#queued -= item.data.length;
          this.#proxy.forwarded(this.#up, item.data.length);
        }
        if (this.#queued < LOW_WATER && this.#src.isPaused()) this.#src.resume();
      }
    } catch {
      // The far side went away while writing: both sockets go, as with a real reset.
      this.#fail();
    } finally {
      this.#pumping = false;
    }
  }

  async #write(chunk: Buffer): Promise<void> {
    const { slice, bytesPerSecond } = this.#proxy.shape;
    if (slice) {
      for (let i = 0; i < chunk.length; i++) {
        await this.#proxy.flowing();
        await writeOut(this.#dst, chunk.subarray(i, i + 1));
        // Let the reader in before the next byte, or the kernel merges them into one read.
        await new Promise((r) => setImmediate(r));
      }
      return;
    }
    if (bytesPerSecond !== null) {
      const piece = Math.max(1, Math.floor(bytesPerSecond / THROTTLE_TICKS));
      for (let i = 0; i < chunk.length; i += piece) {
        const part = chunk.subarray(i, i + piece);
        await sleep((part.length * 1000) / bytesPerSecond);
        await this.#proxy.flowing();
        await writeOut(this.#dst, part);
      }
      return;
    }
    await writeOut(this.#dst, chunk);
  }
}

/** Resolves once the kernel has the bytes (so the next 1-byte write is its own segment). */
function writeOut(dst: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (dst.destroyed) return reject(new Error("destination closed"));
    dst.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
