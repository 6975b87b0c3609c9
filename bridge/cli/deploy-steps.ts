import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployedUrl, parseWhoami, tailLines } from "./deploy-output.ts";
import { CliError } from "./options.ts";
import type { Terminal } from "./terminal.ts";
import { runWrangler, type Wrangler, type WranglerRun } from "./wrangler.ts";

/** The steps of `tether deploy` that go through wrangler to Cloudflare. */

/** Step 1: logged in to Cloudflare, or `wrangler login` (interactive) and check again. */
export async function ensureLoggedIn(t: Terminal, w: Wrangler): Promise<string | null> {
  const first = await whoami(w);
  if (first.loggedIn) return first.who;
  // wrangler login prints a link and opens a browser; it needs the terminal, not a TTY check here.
  // With --json, stdout carries only JSON lines: what is said to the person goes to stderr.
  const note = "not logged in to Cloudflare: wrangler login opens a browser (or prints a link) to log in";
  if (t.json) t.log.info(note);
  else t.print(`   ${note}`);
  const login = await runWrangler(w, ["login"], { interactive: t.json ? "stdout-to-stderr" : true });
  if (login.code !== 0)
    throw new CliError(
      `wrangler login failed (exit ${login.code}): log in with \`npx wrangler login\` (or set CLOUDFLARE_API_TOKEN) and run tether deploy again`,
      1,
    );
  const again = await whoami(w);
  if (!again.loggedIn) throw new CliError("still not logged in to Cloudflare after wrangler login", 1);
  return again.who;
}

async function whoami(w: Wrangler): Promise<{ loggedIn: true; who: string | null } | { loggedIn: false }> {
  const run = await runWrangler(w, ["whoami", "--json"]);
  const answer = parseWhoami(run.stdout);
  if (answer === null)
    throw new CliError(
      `wrangler whoami failed (exit ${run.code}; no internet, or Cloudflare unreachable?):\n${tailLines(run.stderr || run.stdout)}`,
      1,
    );
  return answer;
}

/**
 * Step 2: `wrangler deploy` (its [build] makes web/dist first) with a progress line, and the URL it
 * deployed to (`--url` when given: a route-only deploy names no origin).
 */
export async function deployWorker(
  t: Terminal,
  w: Wrangler,
  worker: string,
  urlFlag: string | null,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tether-deploy-"));
  const outputFile = join(dir, "wrangler-output.json");
  try {
    const run = await runWrangler(w, ["deploy", "--name", worker], {
      env: { WRANGLER_OUTPUT_FILE_PATH: outputFile },
      onLine: (line) => t.status(`wrangler deploy: ${line}`),
    });
    t.close();
    if (run.code !== 0) throw failed("wrangler deploy", run);
    if (urlFlag !== null) return urlFlag;
    const url = deployedUrl(readOrNull(outputFile), `${run.stdout}\n${run.stderr}`);
    if (url === null)
      throw new CliError(
        `the Worker ${worker} was deployed, but wrangler's output names no URL for it (routes only?): ` +
          `run tether deploy --url https://YOUR-HOST again with the address it is served at. Nothing was saved.\n` +
          tailLines(run.stdout),
        1,
      );
    return url;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Step 3: the relay secret, through wrangler's stdin: never in argv, never printed or logged. */
export async function putSecret(w: Wrangler, worker: string, secret: string): Promise<void> {
  const run = await runWrangler(w, ["secret", "put", "TETHER_RELAY_SECRET", "--name", worker], {
    input: secret,
  });
  if (run.code !== 0) throw failed("wrangler secret put TETHER_RELAY_SECRET", run, secret);
}

/** `--dry-run`: wrangler bundles the Worker for real into `outdir`; nothing reaches Cloudflare. */
export async function bundleOnly(t: Terminal, w: Wrangler, worker: string, outdir: string): Promise<void> {
  const run = await runWrangler(w, ["deploy", "--dry-run", "--outdir", outdir, "--name", worker], {
    onLine: (line) => t.status(`wrangler deploy --dry-run: ${line}`),
  });
  t.close();
  if (run.code !== 0) throw failed("wrangler deploy --dry-run", run);
}

function failed(what: string, run: WranglerRun, secret?: string): CliError {
  let tail = tailLines(run.stderr || run.stdout);
  // wrangler never echoes stdin, but should it ever quote it, the secret still goes nowhere.
  if (secret) tail = tail.replaceAll(secret, "[secret]");
  return new CliError(`${what} failed (exit ${run.code}); nothing was saved:\n${tail}`, 1);
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8").slice(0, 1 << 20);
  } catch {
    return null;
  }
}
