import type { StoredMsg } from "../../shared/protocol/index.ts";
import type { ChaosConfig } from "./chaos-config.ts";
import { check } from "./checker.ts";
import type { CheckResult } from "./checker-types.ts";
import { type Convergence, converge } from "./converge.ts";
import { Nemesis } from "./faults.ts";
import { History } from "./history.ts";
import { Rng } from "./random.ts";
import { type ChaosReport, makeReport, reproduce } from "./report.ts";
import { type Fault, type FaultKind, makeSchedule, type Schedule, totalFaults } from "./schedule.ts";
import { StalledError, type Waits } from "./stall.ts";
import { logStall, NOT_CONVERGED, stalledResult, watchStalls } from "./stalled-run.ts";
import { Workload } from "./workload.ts";
import { ChaosWorld } from "./world.ts";

/** `notes`: the web app's console warnings and errors, and anything the runner could not observe. */
export type ChaosOutcome = {
  report: ChaosReport;
  result: CheckResult;
  history: History;
  notes: string[];
  /** The room's final log, as read after convergence. */
  log: StoredMsg[];
};

/**
 * One chaos run: set up the world, run the fault lanes and the writer side by side, stop the
 * faults, wait for convergence, read the room's whole log and check the history against it.
 */
export async function runChaos(c: ChaosConfig): Promise<ChaosOutcome> {
  const started = performance.now();
  c.log(`chaos: seed ${c.seed}; reproduce with: ${reproduce(c)}`);
  const history = new History(c.historyFile);
  const rng = new Rng(c.seed);
  const world = await ChaosWorld.create({
    history,
    rng: rng.fork(),
    phones: c.phones,
    browser: c.browser,
    stormSize: c.stormSize,
    log: c.log,
  });
  const watch = watchStalls(c, history);
  const counts = new Map<FaultKind, number>();
  let digest = "";
  try {
    const schedule = makeSchedule({
      seed: c.seed,
      perKind: c.faultsPerKind,
      messages: c.messages,
      lanes: networkLanes(world, c.faultsPerKind),
      browser: c.browser,
      pace: c.pace,
    });
    c.log(
      `chaos: ${totalFaults(schedule)} faults planned (schedule ${schedule.digest}), ${c.messages} messages`,
    );
    digest = schedule.digest;
    const run: Run = { world, history, rng, schedule, started, counts };
    const { conv, log } = await Promise.race([faultsAndConvergence(c, run), watch.stalled]);
    history.flush();
    const result = check({
      events: history.events,
      actors: history.actors,
      log,
      convergeWithinMs: c.convergeWithinMs,
    });
    const report = makeReport(c, counts, result, {
      schedule: schedule.digest,
      durationMs: performance.now() - started,
      relayRestarts: world.relayRestarts,
      faultsFailed: failedFaults(history),
      convergence: conv,
    });
    return { report, result, history, log, notes: [...(world.browserPhone?.notes ?? [])] };
  } catch (err) {
    if (!(err instanceof StalledError)) throw err;
    history.flush();
    logStall(c, err);
    const result = stalledResult(history, err.report, err.message);
    const report = makeReport(c, counts, result, {
      schedule: digest,
      durationMs: performance.now() - started,
      relayRestarts: world.relayRestarts,
      faultsFailed: failedFaults(history),
      convergence: NOT_CONVERGED,
      stall: err.report,
    });
    return { report, result, history, log: [], notes: [...(world.browserPhone?.notes ?? [])] };
  } finally {
    watch.stop();
    await disposeWithin(world, c);
  }
}

type Run = {
  world: ChaosWorld;
  history: History;
  rng: Rng;
  schedule: Schedule;
  started: number;
  counts: Map<FaultKind, number>;
};

/** Everything after the set-up that can wait: the faults, convergence, reading the log. */
async function faultsAndConvergence(
  c: ChaosConfig,
  r: Run,
): Promise<{ conv: Convergence; log: StoredMsg[] }> {
  await runFaults(c, r);
  const conv = await converge(r.world, r.history);
  const log = await r.history.waits.on("runner", "the room's whole log", r.world.readLog());
  return { conv, log };
}

/** The fault lanes and the writer side by side, until every planned fault was carried out. */
async function runFaults(c: ChaosConfig, r: Run): Promise<void> {
  const { world, history, schedule, counts } = r;
  const total = totalFaults(schedule);
  const done = () => [...counts.values()].reduce((a, b) => a + b, 0);
  const browserMessages = c.browser
    ? Math.max(2 * schedule.browser.length, Math.round(c.messages * 0.04))
    : 0;
  const workload = new Workload(world, history, r.rng.fork(), {
    messages: c.messages,
    browserMessages,
    progress: () => (total === 0 ? 1 : done() / total),
  });
  const nemesis = new Nemesis(world, history, workload, counts);
  const line = () => status(r.started, workload, done(), total, world);
  const ticker = setInterval(() => c.log(line()), 30_000);
  try {
    await Promise.all([...lanes(nemesis, workload, schedule, history.waits), workload.writer()]);
  } finally {
    clearInterval(ticker);
  }
  c.log(`chaos: faults done; ${line()}; converging`);
}

/** Disposes the world, but never hangs the runner on it (a stalled run may not let go). */
async function disposeWithin(world: ChaosWorld, c: ChaosConfig): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      c.log(`chaos: cleanup still running after ${DISPOSE_MS / 1000} s; leaving it`);
      resolve();
    }, DISPOSE_MS);
  });
  await Promise.race([world.dispose(), late]);
  clearTimeout(timer);
}

const DISPOSE_MS = 60_000;

/** Each network lane faults its own proxies; with few faults, one lane covers them all. */
function networkLanes(world: ChaosWorld, perKind: number): [string[], string[]] {
  const targets = [...world.proxies.keys()].filter((n) => n !== "storm");
  if (perKind < 2) return [targets, []];
  const half = Math.ceil(targets.length / 2);
  return [targets.slice(0, half), targets.slice(half)];
}

/**
 * The process lane (kills and restarts, the slowest) leads; the others keep pace with it, so that
 * network faults, storms and reloads are spread over the whole run and meet live relays.
 */
function lanes(nemesis: Nemesis, workload: Workload, s: Schedule, waits: Waits): Promise<void>[] {
  const lead = { done: 0 };
  const leader = () => (s.process.length === 0 ? 1 : lead.done / s.process.length);
  return [
    nemesis.lane("process", s.process, null, () => lead.done++),
    nemesis.lane("network-1", s.network[0], leader),
    nemesis.lane("network-2", s.network[1], leader),
    nemesis.lane("storm", s.storm, leader),
    browserLane(nemesis, workload, s.browser, leader, waits),
  ];
}

/** The browser's own lane: a few composed messages, then a reload or an offline period, and so on. */
async function browserLane(
  nemesis: Nemesis,
  workload: Workload,
  faults: readonly Fault[],
  leader: () => number,
  waits: Waits,
): Promise<void> {
  for (let i = 0; i < faults.length; i++) {
    await nemesis.keepPace("browser", i / faults.length, leader);
    const sends = workload.browserSends(workload.browserExtra(faults.length - i), true);
    await waits.on("lane browser", "the browser's sends", sends);
    await nemesis.lane("browser", faults.slice(i, i + 1));
  }
  if (faults.length > 0)
    await waits.on("lane browser", "the last sends", workload.browserSends(workload.browserExtra(0), true));
}

function status(started: number, w: Workload, done: number, total: number, world: ChaosWorld): string {
  const s = Math.round((performance.now() - started) / 1000);
  return `t=${s}s sent=${w.sent} bridge-acks=${w.acks} faults=${done}/${total} relay-restarts=${world.relayRestarts}`;
}

function failedFaults(h: History): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of h.events)
    if (e.op === "fault" && e.outcome === "fail") out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}
