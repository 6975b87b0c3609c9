import { randomBytes } from "node:crypto";
import type { History } from "./history.ts";
import type { Fault, FaultKind } from "./schedule.ts";
import { TWO_G } from "./schedule.ts";
import { wireSession } from "./wire-session.ts";
import type { Workload } from "./workload.ts";
import type { ChaosWorld } from "./world.ts";

/**
 * The nemesis: carries out one planned fault against the running world and says what happened.
 * Kills wait for their trigger (an ack, a replay page, a queued message) instead of a timer, so
 * that they land mid-append, mid-replay, or with a non-empty outbox.
 */
export class Nemesis {
  readonly counts: Map<FaultKind, number>;
  #w: ChaosWorld;
  #h: History;
  #load: Workload;
  #probes = 0;

  /** `counts`: faults carried out so far, by kind (the runner reads it for progress). */
  constructor(world: ChaosWorld, history: History, workload: Workload, counts: Map<FaultKind, number>) {
    this.counts = counts;
    this.#w = world;
    this.#h = history;
    this.#load = workload;
  }

  /**
   * Runs one lane of faults in order; never throws (a fault that cannot be done is recorded).
   * `leader`: another lane's progress in [0, 1] that this one must not run ahead of.
   */
  async lane(
    name: string,
    faults: readonly Fault[],
    leader: (() => number) | null = null,
    onDone = () => {},
  ): Promise<void> {
    for (const [i, f] of faults.entries()) {
      if (leader) await this.keepPace(name, i / faults.length, leader);
      const t0 = performance.now();
      let detail: string;
      let outcome: "ok" | "fail" = "ok";
      try {
        const what = `fault ${i + 1}/${faults.length}: ${f.kind} on ${f.target}`;
        detail = await this.#h.waits.on(`lane ${name}`, what, this.#run(f));
      } catch (err) {
        detail = (err as Error).message.split("\n")[0] ?? "";
        outcome = "fail";
      }
      this.counts.set(f.kind, (this.counts.get(f.kind) ?? 0) + 1);
      // Before the event, so that lanes keeping pace see the new progress when it arrives.
      onDone();
      this.#h.add("nemesis", {
        op: "fault",
        kind: f.kind,
        target: f.target,
        detail,
        tookMs: Math.round(performance.now() - t0),
        outcome,
      });
      // After a kill the bridge must be back before the next one, or the relay would spend the run
      // restarting and the writers would never get a word in.
      if (PROCESS_FAULTS.has(f.kind)) await this.#bridgeBack(name);
      await sleep(f.gapMs);
    }
  }

  /** Waits while `progress` is ahead of the leader (re-checked whenever something happens). */
  async keepPace(lane: string, progress: number, leader: () => number): Promise<void> {
    const pred = () => progress <= leader() + PACE_SLACK;
    await this.#h.until(pred, 4 * 3600_000, "the leading lane", `lane ${lane}`);
  }

  #run(f: Fault): Promise<string> {
    switch (f.kind) {
      case "relay_kill_append":
        return this.#killMidAppend(f);
      case "relay_kill_replay":
        return this.#killMidReplay(f);
      case "bridge_kill":
        return f.zombie ? this.#fenceBridge(f) : this.#killBridge(f);
      case "storm":
        return this.#storm();
      case "browser_reload":
        return this.#reload(f);
      case "browser_offline":
        return this.#offline(f);
      default:
        return this.#network(f);
    }
  }

  /**
   * Kills the relay right after the bridge's traffic shows a send frame reaching it: a burst is
   * queued, and once a few hundred bytes went upstream (acks and pings are a few dozen), the
   * relay is SIGKILLed 0–8 ms later, while it reads, commits or acks, with more frames queued.
   */
  async #killMidAppend(f: Fault): Promise<string> {
    const proxy = this.#w.proxy("bridge");
    let upBytes = 0;
    let stopTap = () => {};
    const sendFrame = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      stopTap = proxy.tap((up, bytes) => {
        upBytes += up ? bytes : 0;
        if (upBytes < SEND_FRAME_BYTES) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
    const sent = this.#load.burst("bridge", f.burst).length;
    const seen = await sendFrame;
    stopTap();
    await sleep(f.delayMs);
    const outbox = this.#w.bridge.child?.outbox ?? 0;
    await this.#step(f, "the relay's kill and restart", this.#w.killRelay());
    const when = seen
      ? `${f.delayMs} ms after a send frame reached it`
      : "with no send frame through in 15 s";
    return `burst ${sent}, killed ${when}, bridge outbox ${outbox}`;
  }

  async #killMidReplay(f: Fault): Promise<string> {
    const head = await this.#step(f, "the room's head", this.#w.head());
    const since = Math.max(0, head - f.behind);
    const actor = `probe-${String(++this.#probes).padStart(4, "0")}`;
    this.#h.actor({
      name: actor,
      kind: "probe",
      cid: `pr${this.#w.runId}${randomBytes(3).toString("hex")}`,
      durable: false,
      zombie: false,
      receiver: true,
      reapply: false,
    });
    const cid = this.#h.actors.get(actor)?.cid ?? actor;
    let firstPage = () => {};
    const paged = new Promise<void>((resolve) => {
      firstPage = resolve;
    });
    this.#h.add(actor, { op: "start", incarnation: 1, cursor: since, epoch: null, outcome: "ok" });
    const session = wireSession({
      history: this.#h,
      actor,
      wsUrl: this.#w.wsUrl,
      room: this.#w.room,
      token: this.#w.deviceToken,
      cid,
      since,
      timeoutMs: 30_000,
      onFirstPage: firstPage,
    });
    const first = Promise.race([paged.then(() => "paged" as const), session.then(() => "done" as const)]);
    const result = await this.#step(f, `${actor}'s first page`, first);
    await sleep(f.delayMs);
    await this.#step(f, "the relay's kill and restart", this.#w.killRelay());
    await this.#step(f, `${actor}'s session to end`, session);
    return `replay from ${since + 1} of ${head}: ${result === "paged" ? "killed after the first page" : "replay ended before the kill"}`;
  }

  async #killBridge(f: Fault): Promise<string> {
    const bridge = this.#w.bridge;
    await this.#burstQueued(f.burst);
    await sleep(f.delayMs);
    const outbox = await this.#step(f, "the bridge to die", bridge.kill());
    await this.#step(f, "the bridge to start", bridge.start());
    return `outbox ${outbox} at the kill, ${bridge.child?.outbox ?? "?"} on disk at the restart`;
  }

  /**
   * A zombie: the bridge is frozen (SIGSTOP) with messages queued, a newer process starts on a
   * copy of its state (the next epoch) and is welcomed; then the old one thaws and tries to
   * write. The relay must fence it; the checker proves nothing of it was stored after the fence.
   */
  async #fenceBridge(f: Fault): Promise<string> {
    const bridge = this.#w.bridge;
    await this.#burstQueued(f.burst);
    const zombie = bridge.freezeAsZombie();
    if (!zombie) throw new Error("no bridge process to freeze");
    try {
      await this.#step(f, "the next epoch to start", bridge.start());
      const epoch = bridge.child?.epoch ?? null;
      const welcomed = await this.#waits(() => bridge.child?.welcomed === true, 30_000);
      this.#load.zombieWrite(zombie);
      zombie.signal("SIGCONT");
      await this.#waits(() => zombie.fatal !== null, 10_000);
      const fenced = zombie.fatal ? `closed ${zombie.fatal.code}` : "not told it was fenced within 10 s";
      return `zombie epoch ${zombie.epoch} vs ${epoch}${welcomed ? "" : " (not welcomed in 30 s)"}: ${fenced}`;
    } finally {
      await this.#step(f, "the zombie to die", bridge.killZombie(zombie));
    }
  }

  async #storm(): Promise<string> {
    const t0 = performance.now();
    const r = await this.#w.storm.storm();
    return `${r.caughtUp} caught up, ${r.failed} gave up, ${Math.round(performance.now() - t0)} ms`;
  }

  async #reload(f: Fault): Promise<string> {
    const phone = this.#w.browserPhone;
    if (!phone) throw new Error("no browser");
    const sent = await this.#step(f, "the browser's sends", this.#load.browserSends(f.burst, false));
    await sleep(f.delayMs);
    await this.#step(f, "the browser to reload", phone.reload());
    return `reloaded ${f.delayMs} ms after ${sent} sends`;
  }

  async #offline(f: Fault): Promise<string> {
    const phone = this.#w.browserPhone;
    if (!phone) throw new Error("no browser");
    await this.#step(f, "the browser to go offline", phone.offline(true));
    const sent = await this.#step(f, "the browser's sends", this.#load.browserSends(f.burst, true));
    await sleep(f.durationMs);
    await this.#step(f, "the browser to come online", phone.offline(false));
    return `offline ${f.durationMs} ms, ${sent} sends queued meanwhile`;
  }

  async #network(f: Fault): Promise<string> {
    const proxy = this.#w.proxy(f.target);
    switch (f.kind) {
      case "net_cut":
        return `reset ${proxy.cut()} connections`;
      case "net_blackhole":
        proxy.blackhole();
        break;
      case "net_latency":
        proxy.latency(f.latencyMs, f.jitterMs);
        break;
      case "net_throttle":
        proxy.throttle(TWO_G.bytesPerSecond, TWO_G.latencyMs);
        break;
      case "net_slice":
        proxy.slice();
        break;
      default:
        throw new Error(`not a network fault: ${f.kind}`);
    }
    await sleep(f.durationMs);
    proxy.heal();
    return `${f.kind.slice(4)} for ${f.durationMs} ms on ${proxy.connections()} connections`;
  }

  /** Awaits one step of a fault as a registered wait (the stall report names it). */
  #step<T>(f: Fault, what: string, p: Promise<T>): Promise<T> {
    return this.#h.waits.on(`nemesis ${f.kind}`, what, p);
  }

  /** Whether `pred` came true within `ms` (re-checked on every history event). */
  #waits(pred: () => boolean, ms: number): Promise<boolean> {
    return this.#h.until(pred, ms, "a condition").then(
      () => true,
      () => false,
    );
  }

  /** Sends a burst through the bridge and resolves once one of it is durably queued. */
  async #burstQueued(n: number): Promise<void> {
    let keys = new Set<string>();
    let queued = false;
    const stop = this.#h.listen((e) => {
      queued ||= e.op === "queued" && keys.has(e.key);
    });
    try {
      keys = new Set(this.#load.burst("bridge", n));
      await this.#h.until(() => queued, 15_000, "a message of the burst to be queued");
    } finally {
      stop();
    }
  }

  /** Resolves once the bridge has a welcomed socket again (after 60 s it is recorded and skipped). */
  async #bridgeBack(lane: string): Promise<void> {
    const bridge = this.#w.bridge;
    await this.#h
      .until(() => bridge.child?.connected === true, 60_000, "the bridge to reconnect", `lane ${lane}`)
      .catch((err: Error) =>
        this.#h.add("nemesis", {
          op: "fault",
          kind: "wait",
          target: "bridge",
          detail: err.message,
          tookMs: 0,
          outcome: "fail",
        }),
      );
  }
}

/** How far a lane may run ahead of the leading one (a fraction of the whole lane). */
const PACE_SLACK = 0.05;
/** Upstream bytes that can only be a send frame (an ack or a ping is a few dozen). */
const SEND_FRAME_BYTES = 150;
const PROCESS_FAULTS: ReadonlySet<FaultKind> = new Set([
  "relay_kill_append",
  "relay_kill_replay",
  "bridge_kill",
]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
