import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tetherEnv } from "./tether-process.ts";

/**
 * Running `tether deploy` in tests: Cloudflare cannot be reached from here, so wrangler is either
 * the real one (`--dry-run` only) or the recording stand-in (wrangler-standin.mjs) whose deploy
 * "lands" on a local relay. Shared by tests/deploy-command*.test.ts.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const TETHER = join(ROOT, "bridge", "bin", "tether.ts");
const STANDIN = join(ROOT, "tests", "support", "wrangler-standin.mjs");

export type DeployRun = { code: number; stdout: string; stderr: string };

/** The raw output (escape sequences kept): tests check that none of wrangler's reaches the terminal. */
export function runDeploy(args: string[], env: NodeJS.ProcessEnv): Promise<DeployRun> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      ["--disable-warning=ExperimentalWarning", TETHER, "deploy", ...args],
      {
        cwd: ROOT,
        timeout: 150_000,
        env: tetherEnv({ CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", ...env }),
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** One call of the stand-in: its arguments and what it read on stdin. */
export type StandinCall = { argv: string[]; stdin: string };

export function standinCalls(record: string): StandinCall[] {
  return existsSync(record)
    ? readFileSync(record, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as StandinCall)
    : [];
}

/** The calls as command lines, from the `from`-th on. */
export const standinCommands = (record: string, from = 0): string[] =>
  standinCalls(record)
    .slice(from)
    .map((c) => c.argv.join(" "));

/** Env for a run against the stand-in; TETHER_RELAY_SECRET is cleared unless `extra` sets it. */
export const standinEnv = (record: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  TETHER_WRANGLER: STANDIN,
  STANDIN_RECORD: record,
  TETHER_RELAY_SECRET: "",
  ...extra,
});

/** The `tether deploy: …` error line on stderr, if any: `[code, undefined]` is a clean run. */
export const outcome = (r: DeployRun): [number, string | undefined] => [
  r.code,
  r.stderr.match(/tether deploy: .*/)?.[0],
];

export type SavedMachine = { relayUrl: string; token: string; machineId: string };

export const savedMachine = (stateDir: string): SavedMachine =>
  JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8")) as SavedMachine;

/** The first pairing link printed on stdout. */
export const pairingLinkIn = (stdout: string): string => stdout.match(/https?:\/\/\S+\/pair#\S+/)?.[0] ?? "";
