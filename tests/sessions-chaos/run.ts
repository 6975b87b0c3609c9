import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomSeed } from "../chaos/random.ts";
import { runSessions } from "./run-sessions.ts";

/**
 * `npm run chaos:sessions -- --seed N --inputs N --kills N [--relay-kills N] [--net N]
 * [--phone-faults N] [--sessions N] [--phones N]`: the session-level fault battery. Prints the
 * report and writes it to sessions-chaos-report.json at the repo root.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    inputs: { type: "string", default: "500" },
    kills: { type: "string", default: "100" },
    "relay-kills": { type: "string", default: "" },
    net: { type: "string", default: "" },
    "phone-faults": { type: "string", default: "" },
    sessions: { type: "string", default: "3" },
    phones: { type: "string", default: "2" },
  },
});

const num = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return n;
};
const inputs = num("inputs", values.inputs);
const or = (name: string, text: string, fallback: number) => (text === "" ? fallback : num(name, text));

const { report } = await runSessions({
  seed: values.seed === undefined ? randomSeed() : num("seed", values.seed),
  inputs,
  kills: num("kills", values.kills),
  // Defaults scale with the inputs: a relay kill per 100, a network fault and a phone fault per 10.
  relayKills: or("relay-kills", values["relay-kills"], Math.ceil(inputs / 100)),
  netFaults: or("net", values.net, Math.ceil(inputs / 10)),
  phoneFaults: or("phone-faults", values["phone-faults"], Math.ceil(inputs / 10)),
  sessions: Math.max(1, num("sessions", values.sessions)),
  phones: Math.max(1, num("phones", values.phones)),
  log: (line) => console.log(line),
});
const text = JSON.stringify(report, null, 2);
mkdirSync(ROOT, { recursive: true });
writeFileSync(join(ROOT, "sessions-chaos-report.json"), `${text}\n`);
console.log(text);
console.log(
  report.ok
    ? "chaos:sessions: every check held"
    : `chaos:sessions: ${report.violations.total} violations, ${report.details.stalls.length} stalls, ${report.details.transportViolations.length} transport violations`,
);
process.exit(report.ok ? 0 : 1);
