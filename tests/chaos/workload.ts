import type { History } from "./history.ts";
import type { Rng } from "./random.ts";
import type { TransportActor } from "./transport-actor.ts";
import type { ChaosWorld } from "./world.ts";

type ChildHandle = NonNullable<TransportActor["child"]>;

export type WorkloadOptions = {
  /** Sends to invoke over the run, all actors together. */
  messages: number;
  /** Of which the browser's composer sends (slow: a person typing). */
  browserMessages: number;
  /** Fault progress in [0, 1]; the writer keeps pace with it so messages spread over the run. */
  progress: () => number;
};

/** Share of the writer's messages that the bridge sends; the Node phones share the rest. */
const BRIDGE_SHARE = 0.72;

/**
 * What the actors send: keyed messages (the key in the body lets the checker trace every stored
 * message to its send), seeded sizes, a writer that spreads the budget over the fault schedule,
 * and the bursts the nemesis asks for right before a kill.
 */
export class Workload {
  /** Sends invoked so far (all actors). */
  sent = 0;
  /** Acks the bridge received so far. */
  acks = 0;
  #w: ChaosWorld;
  #h: History;
  #o: WorkloadOptions;
  #writerRng: Rng;
  #burstRng: Rng;
  #browserRng: Rng;
  #counters = new Map<string, number>();
  #browserLeft: number;
  #infoSent = false;

  constructor(world: ChaosWorld, history: History, rng: Rng, o: WorkloadOptions) {
    this.#w = world;
    this.#h = history;
    this.#o = o;
    this.#writerRng = rng.fork();
    this.#burstRng = rng.fork();
    this.#browserRng = rng.fork();
    this.#browserLeft = world.browserPhone ? o.browserMessages : 0;
    history.listen((e) => {
      if (e.op === "send") this.sent++;
      if (e.op === "ack" && e.actor === "bridge") this.acks++;
    });
  }

  /** The writer lane: bridge and Node phones until the budget is spent. */
  async writer(): Promise<void> {
    const budget = () => this.#o.messages - this.#browserLeft;
    const allowed = () => budget() * Math.min(1, 0.05 + this.#o.progress());
    while (this.sent < budget()) {
      await this.#h.until(
        () => this.sent < allowed() || this.sent >= budget(),
        4 * 3600_000,
        "fault progress",
        "writer",
      );
      if (this.sent >= budget()) break;
      const actor = this.#pickWriter();
      if (!actor) {
        await this.#h.until(() => this.#pickWriter() !== null, 120_000, "a writer to be running", "writer");
        continue;
      }
      for (let i = this.#writerRng.int(1, 5); i > 0; i--) this.#sendVia(actor, this.#writerRng);
      await sleep(this.#writerRng.int(5, 40));
    }
  }

  /** `n` messages from one actor at once (before a kill); returns the keys it invoked. */
  burst(name: string, n: number): string[] {
    const actor = this.#actor(name);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.#sendVia(actor, this.#burstRng);
      if (key) keys.push(key);
    }
    return keys;
  }

  /** A write from a fenced process: it must never be stored. */
  zombieWrite(zombie: ChildHandle): void {
    const key = this.#key("z");
    this.#w.bridge.zombieSend(zombie, key, "agent.chaos", { k: key, pad: "zombie" });
  }

  /**
   * Typed into the browser's composer. `settle`: wait until the app has queued the last one too;
   * otherwise it may still be between the tap and IndexedDB (a reload then may lose it: it was
   * never queued, so it is indeterminate, not lost).
   */
  async browserSends(n: number, settle: boolean): Promise<number> {
    const phone = this.#w.browserPhone;
    if (!phone) return 0;
    for (let i = 0; i < n; i++) {
      // Out of the browser's reserve before the send is counted: the writer stops at
      // `sent >= messages - browserLeft`, and a send counted while still reserved (a slow click)
      // made it stop one message early.
      this.#browserLeft = Math.max(0, this.#browserLeft - 1);
      await phone.send(this.#key("w"));
      if (settle || i < n - 1) await phone.queued();
    }
    return n;
  }

  /** The browser's share not spent by faults, spread over its lane. */
  browserExtra(faultsLeft: number): number {
    if (faultsLeft <= 0) return this.#browserLeft;
    return Math.max(0, Math.round(this.#browserLeft / (faultsLeft + 1) - this.#browserRng.next()));
  }

  #pickWriter(): TransportActor | null {
    const up = [this.#w.bridge, ...this.#w.phones].filter((a) => a.child?.proc.connected === true);
    if (up.length === 0) return null;
    const bridge = up.find((a) => a === this.#w.bridge);
    if (bridge && (up.length === 1 || this.#writerRng.chance(BRIDGE_SHARE))) return bridge;
    return this.#writerRng.pick(up.filter((a) => a !== bridge).length ? up.filter((a) => a !== bridge) : up);
  }

  #actor(name: string): TransportActor {
    const a = name === "bridge" ? this.#w.bridge : this.#w.phones.find((p) => p.name === name);
    if (!a) throw new Error(`no actor ${name}`);
    return a;
  }

  /** One keyed message of a seeded size; the bridge's first is the session's info. Null: not sent. */
  #sendVia(actor: TransportActor, rng: Rng): string | null {
    const bridge = actor === this.#w.bridge;
    const key = this.#key(bridge ? "b" : `p${actor.name.slice(-1)}-`);
    const pad = "x".repeat(padLength(rng));
    let sent: boolean;
    if (bridge && !this.#infoSent) {
      sent = actor.send(key, "session.info", { k: key, title: "chaos", cwd: "/chaos" });
      this.#infoSent = sent;
    } else if (bridge) sent = actor.send(key, "agent.chaos", { k: key, pad });
    else sent = actor.send(key, "user.message", { k: key, text: `ck:${key} from a phone`, pad });
    return sent ? key : null;
  }

  #key(prefix: string): string {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return `${prefix}${n}`;
  }
}

/** Mostly small bodies, some of a few KB, a few large enough to span TCP segments and pages. */
function padLength(rng: Rng): number {
  const r = rng.next();
  if (r < 0.9) return rng.int(20, 400);
  if (r < 0.99) return rng.int(1_000, 8_000);
  return rng.int(16_000, 64_000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
