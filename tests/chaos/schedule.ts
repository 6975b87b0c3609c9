import { createHash } from "node:crypto";
import { Rng } from "./random.ts";

export const FAULT_KINDS = [
  "relay_kill_append",
  "relay_kill_replay",
  "bridge_kill",
  "net_cut",
  "net_blackhole",
  "net_latency",
  "net_throttle",
  "net_slice",
  "storm",
  "browser_reload",
  "browser_offline",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * One planned fault. Every number is drawn from the seed; what the run cannot control (when a
 * page arrives, how long a restart takes) is awaited, not timed.
 */
export type Fault = {
  kind: FaultKind;
  /** Proxy it applies to (network faults). */
  target: string;
  /** How long the condition lasts (network faults, offline periods). */
  durationMs: number;
  /** Pause before the next fault of the same lane. */
  gapMs: number;
  /** Messages sent right before (kills, reloads, offline). */
  burst: number;
  /** Delay between the trigger (first ack, first replay page, message queued) and the kill. */
  delayMs: number;
  latencyMs: number;
  jitterMs: number;
  /** relay_kill_replay: how far behind the head the replaying client starts. */
  behind: number;
  /** bridge_kill: freeze it and start a newer epoch first, so that the old one is a zombie. */
  zombie: boolean;
};

export type Schedule = {
  process: Fault[];
  /** Two network lanes with disjoint targets, so that their faults never heal each other's. */
  network: [Fault[], Fault[]];
  storm: Fault[];
  browser: Fault[];
  digest: string;
};

export type ScheduleOptions = {
  seed: number;
  perKind: number;
  /** The run's message budget: bursts before kills take a bounded share of it. */
  messages: number;
  /** Proxies of each network lane. */
  lanes: [string[], string[]];
  browser: boolean;
  /** Scales every duration and gap (the short run in `npm test` uses less than 1). */
  pace: number;
};

/** A 2G link: about 50 kbit/s each way with 300 ms of latency. */
export const TWO_G = { bytesPerSecond: 6_000, latencyMs: 300 } as const;

export function makeSchedule(o: ScheduleOptions): Schedule {
  const rng = new Rng(o.seed);
  // Bursts before kills: about 30 % (relay) and 10 % (bridge) of the budget, the rest is the writer's.
  const bursts = {
    relay: clamp(Math.round((o.messages * 0.3) / Math.max(1, o.perKind)), 10, 120),
    bridge: clamp(Math.round((o.messages * 0.1) / Math.max(1, o.perKind)), 3, 40),
  };
  const lane = (kinds: FaultKind[], counts: (k: FaultKind) => number, targets: string[], r: Rng) =>
    shuffle(
      kinds.flatMap((kind) =>
        Array.from({ length: counts(kind) }, () =>
          fault(kind, r.pick(targets.length ? targets : ["-"]), r, o.pace, bursts),
        ),
      ),
      r,
    );
  const processRng = rng.fork();
  const netRngs = [rng.fork(), rng.fork()];
  const stormRng = rng.fork();
  const browserRng = rng.fork();
  const netKinds: FaultKind[] = ["net_cut", "net_blackhole", "net_latency", "net_throttle", "net_slice"];
  const half = (first: boolean) => (first ? Math.ceil(o.perKind / 2) : Math.floor(o.perKind / 2));
  const s = {
    process: lane(["relay_kill_append", "relay_kill_replay", "bridge_kill"], () => o.perKind, [], processRng),
    network: [
      lane(netKinds, () => half(true), o.lanes[0], netRngs[0] ?? rng),
      lane(netKinds, () => half(false), o.lanes[1], netRngs[1] ?? rng),
    ] as [Fault[], Fault[]],
    storm: lane(["storm"], () => o.perKind, [], stormRng),
    browser: o.browser
      ? lane(["browser_reload", "browser_offline"], () => o.perKind, ["browser"], browserRng)
      : [],
  };
  const digest = createHash("sha256").update(JSON.stringify(s)).digest("hex").slice(0, 12);
  return { ...s, digest };
}

function fault(
  kind: FaultKind,
  target: string,
  r: Rng,
  pace: number,
  bursts: { relay: number; bridge: number },
): Fault {
  const ms = (min: number, max: number) => Math.round(r.int(min, max) * pace);
  const f: Fault = {
    kind,
    target,
    durationMs: 0,
    gapMs: ms(200, 1_200),
    burst: 0,
    delayMs: r.int(0, 8),
    latencyMs: 0,
    jitterMs: 0,
    behind: 0,
    zombie: false,
  };
  switch (kind) {
    // After a process fault the relay (or bridge) is left up a while, so that the other lanes'
    // faults do not all fall on a relay that is restarting.
    case "relay_kill_append":
      return { ...f, burst: r.int(Math.ceil(bursts.relay / 2), bursts.relay), gapMs: ms(1_000, 4_000) };
    case "relay_kill_replay":
      return { ...f, behind: r.int(600, 3_000), gapMs: ms(1_000, 4_000) };
    case "bridge_kill": {
      const burst = r.int(Math.ceil(bursts.bridge / 2), bursts.bridge);
      return { ...f, burst, delayMs: r.int(0, 20), zombie: r.chance(0.25), gapMs: ms(1_000, 4_000) };
    }
    case "net_blackhole":
      return { ...f, durationMs: ms(1_000, 7_000) };
    case "net_latency":
      return { ...f, durationMs: ms(500, 3_000), latencyMs: r.int(50, 800), jitterMs: r.int(0, 300) };
    case "net_throttle":
      return { ...f, durationMs: ms(1_000, 4_000) };
    case "net_slice":
      return { ...f, durationMs: ms(500, 2_000) };
    case "browser_reload":
      return { ...f, burst: r.int(1, 3), delayMs: r.int(0, 400) };
    case "browser_offline":
      return { ...f, burst: r.int(1, 3), durationMs: ms(1_000, 5_000) };
    default:
      return f;
  }
}

function shuffle<T>(items: T[], r: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    const a = items[i];
    const b = items[j];
    if (a === undefined || b === undefined) continue;
    items[i] = b;
    items[j] = a;
  }
  return items;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

export function totalFaults(s: Schedule): number {
  return s.process.length + s.network[0].length + s.network[1].length + s.storm.length + s.browser.length;
}
