import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BodyOf,
  type CreateSession,
  type Kind,
  kinds,
  type SignalIn,
  type SignalKind,
  type StoredMsg,
} from "../../shared/protocol/index.ts";
import { BridgeProcess } from "./bridge-process.ts";
import type { DeviceKeys, PhoneKeys } from "./phone-keys.ts";
import { enrollDevice, pairDevice } from "./phone-pairing.ts";
import { mintToken, type RelayProcess, startRelay } from "./relay-process.ts";
import { ScriptedModel } from "./scripted-model.ts";
import { until } from "./until.ts";
import { WireClient } from "./wire-client.ts";

export { BridgeProcess } from "./bridge-process.ts";
export { until } from "./until.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");

/**
 * Everything a bridge test needs, all real but the model: the relay under wrangler dev, the
 * scripted Messages API, the `tether bridge` command as a child process (its own process group),
 * and phone-side clients with a device token.
 */
export class BridgeWorld {
  model = new ScriptedModel();
  relay!: RelayProcess;
  dir = realpathSync(mkdtempSync(join(tmpdir(), "tether-world-")));
  project = join(this.dir, "project");
  claudeConfig = join(this.dir, "claude");
  stateDir = join(this.dir, "state");
  /**
   * The CLI's Bash tool runs a login shell; with the machine's own HOME that sources the user's
   * dotfiles (here pyenv's rehash, whose lock a killed test process can leave behind, stalling every
   * later command for a minute). An empty HOME keeps the tests hermetic.
   */
  home = join(this.dir, "home");
  machineId = `mc${randomBytes(9).toString("base64url")}`;
  bridgeToken = "";
  deviceToken = "";
  /** The paired device's end-to-end keys (docs/protocol.md §12); enrolled with the first phone. */
  device!: DeviceKeys;
  #pairing: { code: string; p: string } | null = null;
  #enrolled: Promise<void> | null = null;
  bridge: BridgeProcess | null = null;
  /** The machine's name (`--name`): machine.info.name, what the phone lists it by. */
  name = "test-machine";
  /** Another world's relay and model this one uses (a second machine): its stop leaves them running. */
  #shared = false;
  /** More environment for the bridge and its Claude CLI (e.g. a CLI feature switch a test needs). */
  extraEnv: NodeJS.ProcessEnv = {};
  /**
   * Which `tether` runs: the TypeScript source (tests: no build step, stack traces in the source) or
   * the shipped launcher over the esbuild bundle (the benchmark measures what users run).
   */
  bin: "source" | "bundle" = "source";
  #phones: Phone[] = [];

  /**
   * `relayVars`: Worker vars for the relay (e.g. a push service stand-in on loopback). `alongside`:
   * a second machine on that world's relay, answered by its model.
   */
  static async start(
    o: {
      relayVars?: Record<string, string>;
      relayPort?: number;
      alongside?: BridgeWorld;
      name?: string;
    } = {},
  ): Promise<BridgeWorld> {
    const w = new BridgeWorld();
    if (o.name) w.name = o.name;
    for (const d of [w.project, w.claudeConfig, w.stateDir, w.home, join(w.dir, "tmp")])
      mkdirSync(d, { recursive: true });
    if (o.alongside) {
      w.#shared = true;
      w.model = o.alongside.model;
      w.relay = o.alongside.relay;
    } else {
      await w.model.start();
      w.relay = await startRelay({ vars: o.relayVars ?? {}, ...(o.relayPort ? { port: o.relayPort } : {}) });
    }
    w.bridgeToken = (await mintToken(w.relay, "bridge", w.machineId)).token;
    // The phone pairs through the bridge's own pairing link (code, machine key, pairing secret).
    const paired = await pairDevice({ relayUrl: w.relay.url, token: w.bridgeToken }, w.stateDir);
    [w.deviceToken, w.device, w.#pairing] = [paired.token, paired.device, paired.pairing];
    return w;
  }

  /** Env for the bridge, and through it for the real Claude CLI. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ANTHROPIC_BASE_URL: this.model.url,
      ANTHROPIC_API_KEY: "sk-scripted-test",
      CLAUDE_CONFIG_DIR: this.claudeConfig,
      // Claude Code keeps pasted images and other scratch files here: inside the world, removed with it.
      CLAUDE_CODE_TMPDIR: join(this.dir, "tmp"),
      HOME: this.home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      ...this.extraEnv,
    };
  }

  /** Starts `tether bridge`; `relayUrl` lets a test put a proxy between the bridge and the relay. */
  startBridge(extra: string[] = [], relayUrl = this.relay.url): BridgeProcess {
    const bin = join(ROOT, "bridge", "bin", this.bin === "bundle" ? "tether.js" : "tether.ts");
    const args = [
      ...shebangFlags(bin),
      bin,
      "bridge",
      ...["--relay", relayUrl, "--token", this.bridgeToken, "--machine", this.machineId],
      ...["--state-dir", this.stateDir, "--root", this.project, "--name", this.name],
      ...extra,
    ];
    const child = spawn(NODE, args, { env: this.env(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.bridge = new BridgeProcess(child);
    return this.bridge;
  }

  /** A phone in `room`, retrying while the relay answers 4004 (the bridge has not opened it yet). */
  async phone(room: string, cid = `ph${randomBytes(8).toString("base64url")}`): Promise<Phone> {
    return until(() => this.#tryPhone(room, cid).catch(() => null), 30_000, `a phone in ${room}`);
  }

  /**
   * A phone in the machine room once the bridge has said hello there (its machine.info is stored),
   * as the web app waits for it: a fresh bridge reads that room from its hello on, so a command
   * sent before would not reach it.
   */
  async machinePhone(): Promise<Phone> {
    const p = await this.phone(`m-${this.machineId}`);
    await p.wait("machine.info", () => true, 60_000);
    return p;
  }

  /**
   * Sends the device's `keys.enroll` once (with the first phone, the bridge running) and waits for
   * the bridge's grant in the machine room.
   */
  enroll(): Promise<void> {
    const pairing = this.#pairing;
    if (!pairing) return Promise.resolve();
    this.#enrolled ??= enrollDevice({
      wsUrl: this.relay.wsUrl,
      machineRoom: `m-${this.machineId}`,
      token: this.deviceToken,
      device: this.device,
      ...pairing,
      diagnostics: () => this.bridge?.output.slice(-3000) ?? "",
    });
    return this.#enrolled;
  }

  async #tryPhone(room: string, cid: string): Promise<Phone> {
    await this.enroll();
    const msgs: StoredMsg[] = [];
    const signals: SignalIn[] = [];
    const client = await WireClient.open(this.relay.wsUrl, room, this.deviceToken, {
      onMsg: (m) => msgs.push(m),
      onSignal: (s) => signals.push(s),
    });
    await client.hello({ cid, since: 0 });
    const phone = new Phone(client, msgs, cid, room, signals, this.device);
    this.#phones.push(phone);
    return phone;
  }

  /** Asks the bridge for a new session through the machine room; returns a phone in its room. */
  async createSession(machine: Phone, body: Omit<CreateSession, "cwd"> = {}): Promise<Phone> {
    const req = await machine.send("machine.create_session", { cwd: this.project, ...body });
    const created = await machine
      // A fresh bridge loads the Agent SDK and dials first: allow for a loaded machine.
      .wait("machine.session_created", (b) => b.requestMid === req, 60_000)
      .catch((err: Error) => {
        const notices = JSON.stringify(machine.of("machine.notice").map((m) => m.body));
        throw new Error(
          `${err.message}\nnotices: ${notices}\n--- bridge output (tail) ---\n${this.bridge?.output.slice(-4000)}`,
          {
            cause: err,
          },
        );
      });
    return this.phone(created.room);
  }

  async stop(): Promise<void> {
    for (const p of this.#phones) await p.client.close().catch(() => undefined);
    await this.bridge?.kill("SIGKILL");
    if (!this.#shared) {
      await this.relay?.dispose();
      await this.model.stop();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Node flags of a script's `#!/usr/bin/env -S node …` line: run it as its shebang would. */
function shebangFlags(script: string): string[] {
  const first = readFileSync(script, "utf8").split("\n", 1)[0] ?? "";
  return first.split(" ").filter((word) => word.startsWith("--"));
}

/**
 * A phone-side view of one room: every stored message applied, in order, opened with the phone's
 * end-to-end keys (docs/protocol.md §12). A body that does not open reads as
 * `{unverifiable: <reason>}`, which no kind's schema accepts.
 */
export class Phone {
  readonly client: WireClient;
  /** The messages as the relay stored them (sealed). */
  readonly raw: StoredMsg[];
  readonly cid: string;
  readonly room: string;
  readonly keys: PhoneKeys | null;
  readonly #rawSignals: SignalIn[];
  #opened = new Map<number, StoredMsg>();
  constructor(
    client: WireClient,
    msgs: StoredMsg[],
    cid: string,
    room: string,
    signals: SignalIn[] = [],
    keys: PhoneKeys | null = null,
  ) {
    this.client = client;
    this.raw = msgs;
    this.cid = cid;
    this.room = room;
    this.#rawSignals = signals;
    this.keys = keys;
  }

  /** Every message, opened (grants are taken as they come, so what they open reads at once). */
  get msgs(): StoredMsg[] {
    const keys = this.keys;
    if (!keys) return this.raw;
    return this.raw.map((m) => {
      const done = this.#opened.get(m.seq);
      if (done) return done;
      if (m.kind === "keys.grant") keys.takeGrant(this.room, m.body);
      const o = keys.open({ room: this.room, kind: m.kind, mid: m.mid }, m.body);
      if (!o.ok) return { ...m, body: { unverifiable: o.reason } };
      const opened = { ...m, body: o.body };
      this.#opened.set(m.seq, opened);
      return opened;
    });
  }

  /** Signals received while connected, opened (a phone opened without a signal list gets none). */
  get signals(): SignalIn[] {
    const keys = this.keys;
    if (!keys) return this.#rawSignals;
    void this.msgs;
    return this.#rawSignals.map((s) => {
      const o = keys.open({ room: this.room, kind: s.kind, mid: null }, s.body);
      return { ...s, body: o.ok ? o.body : { unverifiable: o.reason } };
    });
  }

  /** Sends a body of the contract (shared/protocol/kinds.ts); returns its mid once stored. */
  send<K extends Kind>(kind: K, body: BodyOf<K>): Promise<string> {
    return this.sendRaw(kind, body);
  }

  /**
   * Sends anything (sealed, as a genuine phone would), for tests of how the bridge treats a body
   * that breaks the contract. Waits for this room's key when the phone holds none yet.
   */
  async sendRaw(kind: string, body: unknown): Promise<string> {
    const mid = `m_${randomBytes(12).toString("base64url")}`;
    return this.sendUnsealed(kind, await this.sealFor(kind, mid, body), mid);
  }

  /** The body as this phone would put it on the wire under `mid`. */
  async sealFor(kind: string, mid: string, body: unknown): Promise<object | null> {
    const keys = this.keys;
    // The relay stores a body of any JSON value, but not a missing one.
    if (!keys) return (body ?? null) as object | null;
    return until(
      () => {
        void this.msgs;
        return keys.seal({ room: this.room, kind, mid }, body ?? null) as object | null;
      },
      30_000,
      () => `a key for ${this.room} (${this.describe()})`,
    );
  }

  /** Sends a body exactly as given (a plaintext or forged body, for the end-to-end tests). */
  async sendUnsealed(
    kind: string,
    body: unknown,
    mid = `m_${randomBytes(12).toString("base64url")}`,
  ): Promise<string> {
    const r = await this.client.send([{ mid, kind, body: body ?? null }]);
    if (r.status !== "acked" || r.refused.length > 0)
      throw new Error(`send ${kind} failed: ${JSON.stringify(r)}`);
    return mid;
  }

  of(kind: string): StoredMsg[] {
    return this.msgs.filter((m) => m.kind === kind);
  }

  /**
   * The stored bodies of `kind`, in order, each checked against its kind's schema: a body that
   * breaks the contract fails the test here instead of being read as if it were valid. The
   * stored objects themselves are returned, so a test may compare them by identity.
   */
  bodies<K extends Kind>(kind: K): BodyOf<K>[] {
    return this.of(kind).map((m) => {
      if (isBody(kind, m.body)) return m.body;
      throw new Error(`${kind} seq ${m.seq} breaks its schema: ${JSON.stringify(m.body)}`);
    });
  }

  /** Waits until a message of `kind` matching `pred` is stored, and returns its body. */
  async wait<K extends Kind>(
    kind: K,
    pred: (body: BodyOf<K>) => boolean = () => true,
    ms = 30_000,
  ): Promise<BodyOf<K>> {
    return until(
      () => this.bodies(kind).find(pred) ?? null,
      ms,
      // What the phone has when the wait gives up, not when it began.
      () => `${kind} in the room (${this.describe()})`,
    );
  }

  /**
   * Waits until the bridge has signalled `kind` with a body matching `pred`, and returns it. A body
   * that breaks its kind's schema fails the test here.
   */
  async waitSignal<K extends SignalKind>(
    kind: K,
    pred: (body: BodyOf<K>) => boolean = () => true,
    ms = 30_000,
  ): Promise<BodyOf<K>> {
    const bodies = () =>
      this.signals
        .filter((s) => s.role === "bridge" && s.kind === kind)
        .map((s) => {
          if (isBody(kind, s.body)) return s.body;
          throw new Error(`signal ${kind} breaks its schema: ${JSON.stringify(s.body)}`);
        });
    return until(
      () => bodies().find(pred) ?? null,
      ms,
      () => `signal ${kind} (${this.describe()})`,
    );
  }

  /** What this phone saw, for failure messages. */
  describe(): string {
    const c = this.client;
    return `have [${this.msgs.map((m) => m.kind).join(",")}], last ${c.last}, gaps ${c.gaps}, errors ${JSON.stringify(c.errors)}, violations ${JSON.stringify(c.violations)}`;
  }
}

function isBody<K extends Kind | SignalKind>(kind: K, body: unknown): body is BodyOf<K> {
  return kinds[kind].body.safeParse(body).success;
}
