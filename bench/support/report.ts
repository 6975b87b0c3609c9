import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { chromiumForTests } from "../../tests/support/chromium-path.ts";
import type { ContenderId } from "./contenders.ts";
import { type Figure, LABELS } from "./figure.ts";
import { ROOT } from "./server-process.ts";
import { round } from "./stats.ts";
import { format } from "./svg-chart.ts";

export type Machine = ReturnType<typeof machine>;

/** What the figures came from: hardware, load when the run started, and every stack's version. */
export function machine() {
  const cpu = cpus();
  return {
    os: `${platform()} ${release()} ${arch()}`,
    cpu: `${cpu[0]?.model ?? "unknown"} × ${cpu.length}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    loadAverage1mAtStart: round(loadavg()[0] ?? 0, 2),
    node: process.version,
    versions: {
      workerd: version("workerd"),
      miniflare: version("miniflare"),
      ws: version("ws"),
      "socket.io": version("socket.io"),
      "socket.io-client": version("socket.io-client"),
      "playwright-core": version("playwright-core"),
      chromium: chromiumVersion(),
    },
  };
}

export function describeMachine(m: Machine, at: string): string {
  return `${at.slice(0, 16).replace("T", " ")} UTC · ${m.os} · ${m.cpu} · ${m.memoryGiB} GiB · Node ${m.node} · load ${m.loadAverage1mAtStart} at start`;
}

/** The figures as a Markdown table: one row per figure, one column per contender. */
export function markdownTable(figures: readonly Figure[]): string {
  const ids = Object.keys(LABELS) as ContenderId[];
  const lines = [
    `| figure | unit | ${ids.map((id) => LABELS[id]).join(" | ")} |`,
    `| --- | --- |${" --- |".repeat(ids.length)}`,
  ];
  for (const f of figures) {
    const cell = (id: string) => {
      const e = f.entries.find((x) => x.contender === id);
      if (!e) return "";
      if (e.value === null) return e.error ? "failed" : "n/a";
      const ratio = id === "tether" || e.ratioToTether === null ? "" : ` (${format(e.ratioToTether)}×)`;
      return `${id === "tether" ? "**" : ""}${format(e.value)}${id === "tether" ? "**" : ""}${ratio}`;
    };
    lines.push(`| ${f.name} | ${f.unit} | ${ids.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

const START = "<!-- latest:start -->";
const END = "<!-- latest:end -->";

/** Replaces the part of bench/README.md between the two markers with the latest figures. */
export function updateReadme(block: string): void {
  const path = join(ROOT, "bench", "README.md");
  const text = readFileSync(path, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`bench/README.md lacks the ${START} … ${END} markers`);
  writeFileSync(path, `${text.slice(0, a + START.length)}\n${block}\n${text.slice(b)}`);
  // The repo's formatter pads Markdown tables; `npm run check` must stay clean after a run.
  execFileSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", path], { stdio: "ignore" });
}

function version(pkg: string): string {
  const file = join(ROOT, "node_modules", pkg, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function chromiumVersion(): string {
  try {
    const { path, source } = chromiumForTests();
    const version = execFileSync(path, ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return `${version.trim()} (${source})`;
  } catch (err) {
    return `unknown (${(err as Error).message.split("\n")[0]})`;
  }
}
