import { connect, createServer, type Server, type Socket } from "node:net";
import { listenLoopback } from "../../tests/support/listen-loopback.ts";

/** A slice of this many bytes at most leaves at a time, so a big write trickles as on a real link. */
const SLICE = 4096;

export type LinkShape = { latencyMs: number; bitsPerSecond: number };

/**
 * A slow network on loopback: every byte, each way, waits its turn on a link of `bitsPerSecond`
 * (serialisation, queued behind the bytes before it) and then `latencyMs` more (propagation).
 * Counts the bytes each way. tests/support/tcp-proxy.ts has latency but no bandwidth; this one is
 * the benchmark's own so the tests' proxy stays as its users know it.
 */
export class SlowLinkProxy {
  readonly shape: LinkShape;
  /** Bytes carried client → server and server → client since the last resetCounts(). */
  up = 0;
  down = 0;
  port = 0;
  #server: Server | null = null;
  #sockets = new Set<Socket>();

  constructor(shape: LinkShape) {
    this.shape = shape;
  }

  async start(targetPort: number): Promise<number> {
    const server = createServer((client) => this.#accept(client, targetPort));
    this.#server = server;
    this.port = await listenLoopback(server);
    return this.port;
  }

  resetCounts(): void {
    this.up = 0;
    this.down = 0;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    this.#pipe(client, upstream, (n) => {
      this.up += n;
    });
    this.#pipe(upstream, client, (n) => {
      this.down += n;
    });
  }

  /** One direction: a FIFO link whose next free moment is `free`; each slice is delivered after it. */
  #pipe(from: Socket, to: Socket, count: (n: number) => void): void {
    const bytesPerMs = this.shape.bitsPerSecond / 8 / 1000;
    const queue: { at: number; data: Buffer }[] = [];
    let free = 0;
    let ended = false;
    let timer: NodeJS.Timeout | null = null;
    // One queue and one timer per direction: separate timers could fire out of order (ms rounding).
    const pump = () => {
      timer = null;
      while (queue.length > 0 && queue[0]!.at <= performance.now()) {
        const next = queue.shift()!;
        if (!to.destroyed) to.write(next.data);
      }
      if (queue.length > 0) timer = setTimeout(pump, Math.max(1, queue[0]!.at - performance.now()));
      else if (ended && !to.destroyed) to.end();
    };
    from.on("data", (data: Buffer) => {
      count(data.length);
      for (let i = 0; i < data.length; i += SLICE) {
        const slice = data.subarray(i, i + SLICE);
        free = Math.max(free, performance.now()) + slice.length / bytesPerMs;
        queue.push({ at: free + this.shape.latencyMs, data: slice });
      }
      if (timer === null) pump();
    });
    from.on("end", () => {
      ended = true;
      if (timer === null) pump();
    });
  }
}
