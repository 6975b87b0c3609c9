import { type StdioOptions, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { REPO_ROOT } from "../embedded/relay-config.ts";
import { printable } from "./deploy-output.ts";
import { CliError } from "./options.ts";

/**
 * Cloudflare's `wrangler` CLI, as `tether deploy` runs it: the repository's own copy (a dev
 * dependency, so the version the relay is tested with), or `TETHER_WRANGLER` (a path to another
 * wrangler; the tests put a stand-in for Cloudflare's service there). A `.js`/`.mjs` file is run
 * with this Node, which wrangler needs (22.12 or newer) and which also runs wrangler.toml's build.
 */
export type Wrangler = { file: string; cwd: string };

export function findWrangler(env: NodeJS.ProcessEnv = process.env): Wrangler {
  const chosen = env.TETHER_WRANGLER;
  const file = chosen || join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(file))
    throw new CliError(
      chosen
        ? `TETHER_WRANGLER=${printable(chosen, 300)} does not exist`
        : `wrangler was not found at ${file}: run "npm ci" in ${REPO_ROOT} (wrangler is one of its dev dependencies), or set TETHER_WRANGLER to a wrangler`,
      1,
    );
  return { file, cwd: REPO_ROOT };
}

export type WranglerRun = { code: number; stdout: string; stderr: string };

export type RunOptions = {
  /** Written to wrangler's stdin, which is then closed (a secret goes this way, never in argv). */
  input?: string;
  /**
   * The person talks to wrangler directly (`wrangler login`): the terminal is handed over. With
   * "stdout-to-stderr" wrangler's stdout goes to our stderr: our stdout carries only JSON lines.
   */
  interactive?: boolean | "stdout-to-stderr";
  /** Each printed line (stdout and stderr), cleaned and bounded, for a progress line. */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
};

/** At most this much of each stream is kept: enough for a URL and an error's tail. */
const KEEP = 64 * 1024;

export function runWrangler(w: Wrangler, args: string[], o: RunOptions = {}): Promise<WranglerRun> {
  const js = /\.[cm]?js$/.test(w.file);
  const command = js ? process.execPath : w.file;
  const argv = js ? [w.file, ...args] : args;
  const env = {
    ...process.env,
    ...o.env,
    // wrangler.toml's [build] runs `node`: the same Node as this one, not an older one on PATH.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: w.cwd,
      env,
      stdio: stdioFor(o.interactive),
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    const lines = (chunk: string) => {
      if (!o.onLine) return;
      const all = (partial + chunk).split(/\r?\n|\r/);
      partial = (all.pop() ?? "").slice(-1024);
      for (const line of all) {
        const clean = printable(line, 200);
        if (clean !== "") o.onLine(clean);
      }
    };
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = (stdout + chunk).slice(-KEEP);
      lines(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-KEEP);
      lines(chunk);
    });
    child.once("error", (err) =>
      reject(new CliError(`could not run wrangler (${w.file}): ${printable(err.message, 300)}`, 1)),
    );
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (child.stdin) {
      // A wrangler that exits before reading (a stand-in, a failure) must not crash us with EPIPE.
      child.stdin.on("error", () => {});
      child.stdin.end(o.input ?? "");
    }
  });
}

function stdioFor(interactive: RunOptions["interactive"]): StdioOptions {
  if (interactive === "stdout-to-stderr") return ["inherit", 2, "inherit"];
  return interactive ? "inherit" : ["pipe", "pipe", "pipe"];
}
