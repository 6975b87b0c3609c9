import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BridgeWorld } from "../support/bridge-world.ts";
import { restartRelay } from "../support/relay-process.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

/**
 * The session battery's world: BridgeWorld's real parts (relay under wrangler dev on kept storage,
 * scripted model, `tether bridge` with the real Claude CLI) with two TCP proxies in front of the
 * relay, one for the bridge and one for the phones, so the network of each can be cut or stalled.
 * The ledger is the side effect every tool call leaves: one line per execution.
 */
export class SessionsWorld {
  readonly base: BridgeWorld;
  readonly bridgeNet = new TcpProxy();
  readonly phoneNet = new TcpProxy();
  readonly ledger: string;
  bridgeStarts = 0;
  relayRestarts = 0;

  private constructor(base: BridgeWorld) {
    this.base = base;
    this.ledger = join(base.project, "ledger.txt");
    // The scripted model turns "_" into spaces in a command: the path must have none of either.
    if (/[_\s]/.test(this.ledger)) throw new Error(`ledger path unusable in a directive: ${this.ledger}`);
    writeFileSync(this.ledger, "");
  }

  static async start(): Promise<SessionsWorld> {
    const w = new SessionsWorld(await BridgeWorld.start());
    await w.bridgeNet.start(w.base.relay.port);
    await w.phoneNet.start(w.base.relay.port);
    return w;
  }

  get machineId(): string {
    return this.base.machineId;
  }

  get deviceToken(): string {
    return this.base.deviceToken;
  }

  /** The phones' relay, through their proxy. */
  get phoneWsUrl(): string {
    return `ws://127.0.0.1:${this.phoneNet.port}`;
  }

  /** Starts `tether bridge` behind its proxy (a restart after a kill uses the same state dir). */
  startBridge(): void {
    this.bridgeStarts++;
    // A long idle sleep: processes go only when killed, so each kill finds the CLI it means to.
    this.base.startBridge(["--idle-sleep", "30m"], `http://127.0.0.1:${this.bridgeNet.port}`);
  }

  /** SIGKILL: the whole group (a crash of the machine's session), or the bridge alone (its CLIs run on). */
  async killBridge(only: boolean): Promise<void> {
    await this.base.bridge?.kill("SIGKILL", only);
  }

  bridgeOutput(): string {
    return this.base.bridge?.output ?? "";
  }

  /** SIGKILL of the relay's process group, restarted on the same port and storage. */
  async killRelay(): Promise<void> {
    await this.base.relay.kill("SIGKILL");
    this.base.relay = await restartRelay(this.base.relay);
    this.relayRestarts++;
  }

  /** The lines the tool calls appended, in order. */
  ledgerLines(): string[] {
    return readFileSync(this.ledger, "utf8")
      .split("\n")
      .filter((l) => l.length > 0);
  }

  /** A ledger tag: letters and digits only, so it survives the directive and the shell untouched. */
  static tag(i: number): string {
    return `t${i}x${randomBytes(4).toString("hex")}`;
  }

  async stop(): Promise<void> {
    await this.bridgeNet.stop();
    await this.phoneNet.stop();
    await this.base.stop();
  }
}
