import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedRelay, startEmbeddedRelay } from "../../bridge/embedded/embedded-relay.ts";
import type { Logger } from "../../bridge/log.ts";
import { mintToken } from "../../tests/support/relay-process.ts";

const MACHINE = "benchmark01";

/**
 * Tether's relay as `tether up` runs it: the relay Worker in workerd through Miniflare, started
 * in this process by bridge/embedded, on a random port, with its state in a temp dir.
 */
export class BenchRelay {
  readonly stateDir: string;
  /** The relay's own log lines (warnings, errors), for a failure report. */
  readonly messages: string[];
  relay: EmbeddedRelay;
  bridgeToken = "";
  #running = true;
  deviceToken = "";
  /** Device tokens receivers take in turn (the relay caps sockets per token per room at 8). */
  readonly deviceTokens: string[] = [];
  #nextDevice = 0;

  static async start(): Promise<BenchRelay> {
    const stateDir = mkdtempSync(join(tmpdir(), "tether-bench-"));
    const messages: string[] = [];
    const r = new BenchRelay(stateDir, messages, await BenchRelay.#launch(stateDir, 0, messages));
    r.bridgeToken = (await mintToken(r.relay, "bridge", MACHINE)).token;
    r.deviceToken = (await mintToken(r.relay, "device", MACHINE)).token;
    r.deviceTokens.push(r.deviceToken);
    return r;
  }

  private constructor(stateDir: string, messages: string[], relay: EmbeddedRelay) {
    this.stateDir = stateDir;
    this.messages = messages;
    this.relay = relay;
  }

  /** Mints device tokens until `sockets` receivers in one room fit the relay's 8 sockets per token. */
  async ensureDeviceTokens(sockets: number): Promise<void> {
    while (this.deviceTokens.length * 8 < sockets)
      this.deviceTokens.push((await mintToken(this.relay, "device", MACHINE)).token);
  }

  /** The next device token in turn. */
  nextDeviceToken(): string {
    return this.deviceTokens[this.#nextDevice++ % this.deviceTokens.length]!;
  }

  get url(): string {
    return this.relay.url;
  }

  get wsUrl(): string {
    return this.relay.url.replace(/^http/, "ws");
  }

  /** Where Miniflare keeps the Durable Objects' SQLite files (one folder per class). */
  get doDir(): string {
    return join(this.stateDir, "relay", "data", "do");
  }

  /** Stops workerd and starts it again on the same port and storage (tokens and rooms survive). */
  async restart(): Promise<void> {
    await this.stop();
    this.relay = await BenchRelay.#launch(this.stateDir, this.relay.port, this.messages);
    this.#running = true;
  }

  /** Stops workerd and keeps the state dir (to read the Durable Objects' SQLite files at rest). */
  async stop(): Promise<void> {
    if (this.#running) await this.relay.dispose();
    this.#running = false;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  static async #launch(stateDir: string, port: number, sink: string[]): Promise<EmbeddedRelay> {
    const started = await startEmbeddedRelay({ stateDir, host: "127.0.0.1", port, log: quietLog(sink) });
    if (!started.ok) throw new Error(`embedded relay: ${started.code}: ${started.message}`);
    return started.relay;
  }
}

/** Keeps the relay's messages for a failure report instead of printing over the benchmark. */
function quietLog(sink: string[]): Logger {
  const keep = (level: string) => (msg: string, extra?: Record<string, unknown>) => {
    sink.push(`${level} ${msg}${extra ? ` ${JSON.stringify(extra)}` : ""}`);
  };
  return { info: keep("info"), warn: keep("warn"), error: keep("error") };
}
