import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomSeed } from "./random.ts";
import { runChaos } from "./run-chaos.ts";

/**
 * `npm run chaos -- --seed N --messages M [--faults F] [--phones P] [--no-browser] [--pace X] [--stall S]`:
 * the full fault-injection battery (defaults: 10,000 messages, 200 faults of each kind, a bridge
 * and three phones, one of them the web app in Chromium; a run that makes no progress for S
 * seconds, default 120, fails with a report of what it waited on). Prints the report and writes it to
 * chaos-report.json at the repo root; the history goes to test-artifacts/chaos-history.jsonl.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    messages: { type: "string", default: "10000" },
    faults: { type: "string", default: "200" },
    phones: { type: "string", default: "" },
    "no-browser": { type: "boolean", default: false },
    storm: { type: "string", default: "100" },
    pace: { type: "string", default: "1" },
    stall: { type: "string", default: "120" },
  },
});

const browser = !values["no-browser"];
const num = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${text}`);
  return n;
};
const artifacts = join(ROOT, "test-artifacts");
mkdirSync(artifacts, { recursive: true });

const { report, notes, log } = await runChaos({
  seed: values.seed === undefined ? randomSeed() : num("seed", values.seed),
  messages: num("messages", values.messages),
  faultsPerKind: num("faults", values.faults),
  // Three phones in all: the browser is one of them when it runs.
  phones: values.phones === "" ? (browser ? 2 : 3) : num("phones", values.phones),
  browser,
  stormSize: num("storm", values.storm),
  pace: num("pace", values.pace),
  convergeWithinMs: 10_000,
  stallAfterMs: num("stall", values.stall) * 1000,
  historyFile: join(artifacts, "chaos-history.jsonl"),
  log: (line) => console.log(line),
});
const text = JSON.stringify(report, null, 2);
writeFileSync(join(ROOT, "chaos-report.json"), `${text}\n`);
writeFileSync(join(artifacts, "chaos-browser-console.log"), notes.map((n) => `${n}\n`).join(""));
writeFileSync(join(artifacts, "chaos-log.jsonl"), log.map((m) => `${JSON.stringify(m)}\n`).join(""));
console.log(text);
if (report.stall)
  console.log(`chaos: STALLED (no progress for ${report.stall.afterMs / 1000} s); see "stall" above`);
else console.log(report.ok ? "chaos: every invariant held" : `chaos: ${report.violations.total} violations`);
process.exit(report.ok ? 0 : 1);
