import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { CLEAR_KINDS } from "../../shared/protocol/e2e.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { launchBrowser } from "../support/browser.ts";
import { mintToken, type RelayProcess, restartRelay, startRelay } from "../support/relay-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { BrowserPhone } from "./browser-phone.ts";
import { plainOf } from "./chaos-seal.ts";
import type { History } from "./history.ts";
import { KeyGranter } from "./key-granter.ts";
import { ChaosProxy } from "./proxy.ts";
import type { Rng } from "./random.ts";
import { StormPool } from "./storm.ts";
import { TransportActor } from "./transport-actor.ts";

export type WorldOptions = {
  history: History;
  rng: Rng;
  phones: number;
  browser: boolean;
  stormSize: number;
  log: (line: string) => void;
};

/**
 * Faster than docs/protocol.md §8 (15 s / 10 s, 30 s backoff cap) so that a black hole is noticed and
 * a restarted relay reached within the run; the policy is the same, only the constants shrink,
 * as in the bridge's own transport tests. The browser runs the app's real constants.
 */
/** A restart slower than this is logged (on a loaded machine it can take a minute). */
const SLOW_RESTART_MS = 30_000;

const HEARTBEAT = { pingEveryMs: 3_000, pongTimeoutMs: 3_000, backoffCapMs: 1_000 };

/** Everything of one chaos run: the relay, one proxy per actor, the actors, and their tokens. */
export class ChaosWorld {
  relay!: RelayProcess;
  readonly runId = randomBytes(4).toString("hex");
  readonly room = `s-${randomBytes(16).toString("base64url")}`;
  readonly machineId = `chaos${randomBytes(5).toString("hex")}`;
  /** The room's end-to-end key: the bridge seals with it (docs/protocol.md §12.3). */
  readonly roomKey = randomBytes(32).toString("base64url");
  bridgeToken = "";
  deviceToken = "";
  readonly proxies = new Map<string, ChaosProxy>();
  bridge!: TransportActor;
  phones: TransportActor[] = [];
  browserPhone: BrowserPhone | null = null;
  storm!: StormPool;
  relayRestarts = 0;
  #browser: Browser | null = null;
  #o: WorldOptions;

  private constructor(o: WorldOptions) {
    this.#o = o;
  }

  static async create(o: WorldOptions): Promise<ChaosWorld> {
    const w = new ChaosWorld(o);
    try {
      await w.#setUp();
    } catch (err) {
      await w.dispose();
      throw err;
    }
    return w;
  }

  get wsUrl(): string {
    return this.relay.wsUrl;
  }

  proxy(name: string): ChaosProxy {
    const p = this.proxies.get(name);
    if (!p) throw new Error(`no proxy ${name}`);
    return p;
  }

  /** SIGKILLs the relay's whole process group and starts it again on the same storage. */
  async killRelay(): Promise<void> {
    const waits = this.#o.history.waits;
    const old = this.relay;
    await waits.on("relay", `SIGKILL of process group ${old.pid}`, old.kill("SIGKILL"));
    const t0 = performance.now();
    // Each step of the restart is a wait of its own, so that a stall report says where it is.
    let end = waits.begin("relay", "restart: starting");
    const progress = (note: string) => {
      end();
      end = waits.begin("relay", `restart ${note}`);
    };
    try {
      this.relay = await restartRelay(old, 5, progress);
    } finally {
      end();
    }
    const took = performance.now() - t0;
    if (took > SLOW_RESTART_MS) this.#o.log(`chaos: relay restart took ${Math.round(took / 1000)} s`);
    this.relayRestarts++;
  }

  /** The room's head, asked directly of the relay. */
  async head(): Promise<number> {
    const c = await WireClient.open(this.relay.wsUrl, this.room, this.deviceToken);
    try {
      return (
        await c.hello({ cid: `hd${this.runId}${randomBytes(4).toString("hex")}`, since: null, tail: 0 })
      ).head;
    } finally {
      await c.close();
    }
  }

  /** The whole log, from seq 1, read directly from the relay after the run; sealed bodies opened as `plain`. */
  async readLog(): Promise<(StoredMsg & { plain: unknown })[]> {
    const items: StoredMsg[] = [];
    const c = await WireClient.open(this.relay.wsUrl, this.room, this.deviceToken, {
      onMsg: (m) => items.push(m),
    });
    try {
      await c.hello({ cid: `rd${this.runId}${randomBytes(4).toString("hex")}`, since: 0 });
      await c.untilCaughtUp();
      if (c.gaps + c.stale > 0 || c.violations.length > 0)
        throw new Error(`reading the log: ${c.gaps} gaps, ${c.stale} stale, ${c.violations.join("; ")}`);
      // Encryption is on: every body the bridge stored is sealed and opens with the run's key
      // (key grants travel in the clear, §12.2).
      const clear = items.find(
        (m) =>
          m.role === "bridge" && !CLEAR_KINDS.has(m.kind) && plainOf(this.roomKey, m, this.room) === m.body,
      );
      if (clear) throw new Error(`the bridge stored seq ${clear.seq} unsealed or under another key`);
      return items.map((m) => ({ ...m, plain: plainOf(this.roomKey, m, this.room) }));
    } finally {
      await c.close();
    }
  }

  async dispose(): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [
      () => this.browserPhone?.close() ?? Promise.resolve(),
      () => this.#browser?.close() ?? Promise.resolve(),
      ...[this.bridge, ...this.phones].filter(Boolean).map((a) => () => a.kill()),
      ...[...this.proxies.values()].map((p) => () => p.close()),
      () => this.relay?.dispose() ?? Promise.resolve(),
    ];
    for (const step of steps) await step().catch((err: Error) => this.#o.log(`cleanup: ${err.message}`));
    for (const a of [this.bridge, ...this.phones].filter(Boolean))
      rmSync(a.stateDir, { recursive: true, force: true });
  }

  async #setUp(): Promise<void> {
    const o = this.#o;
    // The storm's 100 clients, the phones and the zombies share one device token: lift the caps
    // per token (docs/protocol.md §2.6), which a real phone never comes near.
    this.relay = await startRelay({
      vars: { TETHER_SOCKETS_PER_TOKEN: "10000", TETHER_CIDS_PER_TOKEN: "10000" },
    });
    this.bridgeToken = (await mintToken(this.relay, "bridge", this.machineId)).token;
    this.deviceToken = (await mintToken(this.relay, "device", this.machineId)).token;
    const names = ["bridge", ...Array.from({ length: o.phones }, (_, i) => `phone-${i + 1}`), "storm"];
    if (o.browser) names.push("browser");
    for (const name of names)
      this.proxies.set(name, await ChaosProxy.start(name, this.relay.port, o.rng.int(1, 2 ** 30)));
    this.bridge = this.#actor("bridge", "bridge", this.bridgeToken);
    await this.bridge.start();
    // The bridge claims the session room; phones opening it before would only be told 4004.
    await o.history.until(() => this.bridge.child?.welcomed === true, 60_000, "the bridge to open the room");
    this.phones = Array.from({ length: o.phones }, (_, i) =>
      this.#actor(`phone-${i + 1}`, "phone", this.deviceToken),
    );
    for (const p of this.phones) await p.start();
    const storm = this.proxy("storm");
    this.storm = new StormPool({
      history: o.history,
      wsUrl: storm.url.replace(/^http/, "ws"),
      room: this.room,
      token: this.deviceToken,
      size: o.stormSize,
      runId: this.runId,
      rng: o.rng.fork(),
    });
    if (o.browser) await this.#startBrowser();
  }

  #actor(name: string, kind: "bridge" | "phone", token: string): TransportActor {
    return new TransportActor(this.#o.history, {
      name,
      kind,
      role: kind,
      ...(kind === "bridge" ? { roomKey: this.roomKey } : {}),
      url: this.proxy(name).url,
      token,
      cid: `${name.replace("-", "")}x${this.runId}`,
      room: this.room,
      ...HEARTBEAT,
    });
  }

  async #startBrowser(): Promise<void> {
    const o = this.#o;
    this.#browser = await launchBrowser();
    const phone = new BrowserPhone({
      history: o.history,
      name: "browser",
      browser: this.#browser,
      proxy: this.proxy("browser"),
      room: this.room,
      roomKey: this.roomKey,
      granter: new KeyGranter({
        relayUrl: this.relay.url,
        wsUrl: this.relay.wsUrl,
        bridgeToken: this.bridgeToken,
        machineId: this.machineId,
        room: this.room,
        roomKey: this.roomKey,
      }),
    });
    this.browserPhone = phone;
    await phone.start();
    await o.history.until(() => phone.cid !== "", 30_000, "the browser to say hello");
    o.history.actor({
      name: "browser",
      kind: "browser",
      cid: phone.cid,
      durable: true,
      zombie: false,
      receiver: true,
      reapply: false,
    });
  }
}
