// Every figure of issues 6 and 14, side by side in one run: Tether vs a durable floor (a minimal
// Durable Object in workerd) vs a bare `ws` server vs Socket.IO with connection-state recovery. Writes bench/results/latest.json, one SVG chart per figure and the
// table in bench/README.md. Run: npm run bench   (or: npm run bench -- --only round-trip,catch-up)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { perTokenBaselines, rssFigure, runBridgeBench, wireFigure } from "./bridge-runs.ts";
import { measureCatchUp } from "./catch-up.ts";
import { measureCpu, storageFigure } from "./cost.ts";
import { measureE2eCost } from "./e2e-cost.ts";
import { measureRestart, startWindowProbe } from "./recovery-limits.ts";
import { measureRoundTrip } from "./round-trip.ts";
import { ensureRoomFile, rowsFigure } from "./rows-figure.ts";
import { measureBacklogs, measureFanOut } from "./scale.ts";
import { measureSlowLink } from "./slow-link.ts";
import { BenchRelay } from "./support/bench-relay.ts";
import { bareWs, socketIo, tether } from "./support/contenders.ts";
import { type Figure, failed } from "./support/figure.ts";
import { floor } from "./support/floor-contender.ts";
import { FloorServer } from "./support/floor-server.ts";
import { describeMachine, machine, markdownTable, updateReadme } from "./support/report.ts";
import { ROOT, ServerProcess } from "./support/server-process.ts";
import { chartSvg } from "./support/svg-chart.ts";
import { measureThroughput } from "./throughput.ts";
import { measureWebBackOnline } from "./web-back-online.ts";
import { measureWebFirstLoad } from "./web-first-load.ts";
import { measureWebRepeatVisit } from "./web-repeat-visit.ts";

const GROUPS = [
  "round-trip",
  "catch-up",
  "recovery",
  "throughput",
  "realistic",
  "fan-out",
  "scale",
  "slow-link",
  "web",
  "rows",
  "bridge",
  "e2e",
] as const;
type Group = (typeof GROUPS)[number];
/** `--only floor`: Tether and the durable floor alone, in these groups. */
const FLOOR_ALIAS: readonly Group[] = ["round-trip", "catch-up", "throughput", "realistic"];
const NEEDS_FLOOR: readonly Group[] = [...FLOOR_ALIAS, "fan-out", "scale"];
const RESULTS = join(ROOT, "bench", "results");
const BRIDGE_RUNS = 3;
type WindowProbe = Awaited<ReturnType<typeof startWindowProbe>>;

const { values } = parseArgs({ options: { only: { type: "string" } } });
const floorOnly = (values.only ?? "").split(",").some((g) => g.trim() === "floor");
const only = parseOnly(values.only);
const at = new Date().toISOString();
const host = machine();
const figures: Figure[] = [];

const relay = await BenchRelay.start();
const wsServer = await ServerProcess.start("bench/support/ws-room-server.ts");
const sioServer = await ServerProcess.start("bench/support/socketio-room-server.ts");
const floorServer = NEEDS_FLOOR.some((g) => only.has(g)) ? await FloorServer.start() : null;
const cleanup = async () => {
  await Promise.allSettled([relay.dispose(), wsServer.stop(), sioServer.stop(), floorServer?.dispose()]);
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));

try {
  const all = [
    tether(relay),
    ...(floorServer ? [floor(floorServer)] : []),
    bareWs(wsServer.port),
    socketIo(sioServer.port),
  ];
  const contenders = floorOnly ? all.filter((c) => c.id === "tether" || c.id === "floor") : all;
  const sioPort = floorOnly ? null : sioServer.port;
  let windowProbe: WindowProbe | null = null;
  await step("recovery", ["catch-up-after-window"], async () => {
    windowProbe = await startWindowProbe(relay); // its 125 s away overlap the groups below
    return [];
  });
  await step("round-trip", ["round-trip-p50", "round-trip-p99"], () => measureRoundTrip(contenders));
  await step("catch-up", ["catch-up-10k"], async () => [await measureCatchUp(relay, sioPort, floorServer)]);
  await step("throughput", ["throughput-burst", "throughput-sustained"], () => measureThroughput(contenders));
  await step(
    "realistic",
    ["round-trip-realistic-p50", "catch-up-10k-realistic", "throughput-burst-realistic"],
    async () => [
      ...(await measureRoundTrip(contenders, "realistic")),
      await measureCatchUp(relay, sioPort, floorServer, "realistic"),
      ...(await measureThroughput(contenders, "realistic")),
    ],
  );
  await step("fan-out", ["fan-out-1", "fan-out-10", "fan-out-100"], () => measureFanOut(contenders, relay));
  await step("scale", ["catch-up-backlog-100k", "cpu-per-stored-message"], async () => [
    ...(await measureBacklogs(relay, floorServer!)),
    await measureCpu(relay, floorServer!),
  ]);
  await step("slow-link", ["slow-link-catch-up-10k"], () => measureSlowLink(relay, sioServer.port));
  await step(
    "e2e",
    ["e2e-round-trip-p50", "e2e-catch-up-10k", "e2e-cpu-bridge", "e2e-cpu-phone", "e2e-bytes-per-message"],
    () => measureE2eCost(relay),
  );
  await step("web", ["web-first-load-bytes", "web-first-render-slow-3g"], () => measureWebFirstLoad(relay));
  await step("web", ["web-back-online"], () => measureWebBackOnline(relay));
  await step("web", ["web-repeat-visit-slow-3g"], () => measureWebRepeatVisit(relay));
  const probe = windowProbe as WindowProbe | null; // assigned inside a callback: TS cannot follow it
  if (probe) await step("recovery", ["catch-up-after-window"], async () => [await probe.finish()]);
  await step("recovery", ["catch-up-across-restart"], async () => [await measureRestart(relay)]);
  const baselines = only.has("bridge")
    ? await perTokenBaselines(wsServer.port, sioServer.port).catch((err: unknown) => asError(err))
    : asError("not measured");
  if (only.has("rows")) await ensureRoomFile(relay);
  await relay.stop(); // the SQLite files are read at rest
  await floorServer?.stop();
  await step("rows", ["rows-per-message"], async () => [rowsFigure(relay.doDir)]);
  await step("scale", ["storage-bytes-per-100k"], async () => [
    storageFigure(relay.doDir, floorServer!.doDir),
  ]);
  await Promise.all([wsServer.stop(), sioServer.stop()]);
  // Last and alone: it runs a wrangler relay, the bridge and ten Claude CLIs.
  await step("bridge", ["wire-bytes-per-token", "bridge-rss"], async () => {
    const runs = await runBridgeBench(BRIDGE_RUNS);
    return [wireFigure(runs, baselines), rssFigure(runs)];
  });
  write();
} finally {
  await cleanup();
}

/** Runs one group's measurement; a failure is kept in the output as a failed figure, not dropped. */
async function step(group: Group, ids: string[], run: () => Promise<Figure[]>): Promise<void> {
  if (!only.has(group)) return;
  const t0 = performance.now();
  log(`${group}: measuring`);
  try {
    figures.push(...(await run()));
    log(`${group}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    log(`${group}: FAILED: ${(err as Error).stack ?? err}`);
    if (group === "round-trip" || group === "catch-up")
      log(`relay log: ${relay.messages.slice(-20).join("\n")}`);
    for (const id of ids)
      figures.push(
        failed(
          { id, name: id, unit: "", better: "lower", method: "" },
          ["tether", "floor", "ws", "socketio"],
          err,
        ),
      );
    process.exitCode = 1;
  }
}

function write(): void {
  const complete = only.size === GROUPS.length;
  const report = {
    bench: "side-by-side",
    at,
    machine: host,
    contenders: {
      tether: "Tether's relay Worker in workerd via Miniflare (bridge/embedded, as `tether up` runs it)",
      floor:
        "bench/support/floor-worker.js in its own workerd via Miniflare: a Durable Object that stores each message as one SQLite row, then acks and broadcasts it",
      ws: "a bare `ws` server in Node that forwards each message to the room's other sockets",
      socketio: "Socket.IO 4.8 server in Node, connectionStateRecovery with its defaults, in-memory adapter",
    },
    ratio: "ratioToTether = contender value ÷ Tether's value for the same figure (see `better`)",
    figures,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  mkdirSync(RESULTS, { recursive: true });
  const name = complete ? "latest.json" : `only-${[...only].join("+")}.json`;
  writeFileSync(join(RESULTS, name), text);
  process.stdout.write(text);
  log(`wrote bench/results/${name}\n${markdownTable(figures)}`);
  if (!complete) return;
  const footer = describeMachine(host, at);
  for (const f of figures) writeFileSync(join(RESULTS, `${f.id}.svg`), chartSvg(f, footer));
  updateReadme(
    `Run of ${footer}.\n\n${markdownTable(figures)}\n\n` +
      `In brackets: the contender's value ÷ Tether's. Charts: \`results/<figure id>.svg\`; every number, ` +
      `its method and the raw samples: \`results/latest.json\`.`,
  );
}

function parseOnly(arg: string | undefined): Set<Group> {
  if (arg === undefined) return new Set(GROUPS);
  const wanted = arg
    .split(",")
    .flatMap((s): string[] => (s.trim() === "floor" ? [...FLOOR_ALIAS] : [s.trim()]));
  const bad = wanted.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (bad.length > 0) throw new Error(`unknown group ${bad.join(", ")}; groups: ${GROUPS.join(", ")}, floor`);
  return new Set(wanted as Group[]);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
}
