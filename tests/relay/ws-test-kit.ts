import { exports } from "cloudflare:workers";
import { RelayFrame } from "../../shared/protocol/index.ts";
import { ORIGIN } from "./api-test-kit.ts";

type Frame<T extends RelayFrame["t"]> = Extract<RelayFrame, { t: T }>;

/** A WebSocket client inside the test isolate, with an ordered log of every frame it received. */
export class WsClient {
  frames: (RelayFrame | string)[] = [];
  #cursor = 0;
  #wake: (() => void) | null = null;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
    );
    ws.addEventListener("message", (e) => {
      const data = e.data as string;
      this.frames.push(data === "pong" ? data : RelayFrame.parse(JSON.parse(data)));
      this.#wake?.();
    });
    ws.addEventListener("close", () => this.#wake?.());
  }

  static async open(room: string, token: string): Promise<WsClient> {
    const res = await exports.default.fetch(`${ORIGIN}/v1/rooms/${room}`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `tether.v1, bearer.${token}` },
    });
    if (!res.webSocket) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    return new WsClient(res.webSocket);
  }

  /** Opens and says hello; resolves once `welcome` arrived. */
  static async join(room: string, token: string, hello: Record<string, unknown>): Promise<WsClient> {
    const c = await WsClient.open(room, token);
    c.send({ t: "hello", v: 2, ...hello });
    await c.next("welcome");
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame of type `t` after the last one consumed (earlier frames of other types are skipped). */
  async next<T extends RelayFrame["t"]>(t: T, ms = 10_000): Promise<Frame<T>> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (; this.#cursor < this.frames.length; this.#cursor++) {
        const f = this.frames[this.#cursor];
        if (typeof f === "object" && f.t === t) {
          this.#cursor++;
          return f as Frame<T>;
        }
      }
      if (Date.now() > deadline) throw new Error(`no ${t} within ${ms} ms; got ${this.types().join(",")}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  /** Applies `msgs` frames until `caught_up`, acking as it goes; returns the seqs in order. */
  async drain(ack = true): Promise<number[]> {
    const start = this.#cursor;
    await this.next("caught_up");
    const seqs = this.frames
      .slice(start, this.#cursor)
      .flatMap((f) => (typeof f === "object" && f.t === "msgs" ? f.items.map((i) => i.seq) : []));
    if (ack && seqs.length > 0) this.send({ t: "ack", upTo: seqs[seqs.length - 1] });
    return seqs;
  }

  all<T extends RelayFrame["t"]>(t: T): Frame<T>[] {
    return this.frames.filter((f): f is Frame<T> => typeof f === "object" && f.t === t);
  }

  seqs(): number[] {
    return this.all("msgs").flatMap((m) => m.items.map((i) => i.seq));
  }

  types(): string[] {
    return this.frames.map((f) => (typeof f === "string" ? f : f.t));
  }

  /** Waits until `pred` holds over everything received so far. */
  async until(pred: (c: WsClient) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > deadline)
        throw new Error(`condition not met within ${ms} ms; got ${this.types().join(",")}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  close(): void {
    this.ws.close(1000, "done");
  }
}

let n = 0;
export function mid(tag = "m"): string {
  n++;
  return `${tag}_${n.toString(36)}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

export function batch(kind: string, count: number, body: (i: number) => unknown = (i) => ({ i })) {
  return { t: "send", msgs: Array.from({ length: count }, (_, i) => ({ mid: mid(), kind, body: body(i) })) };
}
