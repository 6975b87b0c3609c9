import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { groupGone, signalGroup } from "./process-group.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const OUTPUT_KEEP = 64 * 1024;

export type RelayOptions = {
  /** Defaults to a free port on 127.0.0.1 (never 8787). */
  port?: number;
  /** Defaults to a fresh temp dir; pass the same dir again to restart on the same storage. */
  persistDir?: string;
  /** TETHER_RELAY_SECRET; random by default. */
  secret?: string;
  /** Extra Worker vars. */
  vars?: Record<string, string>;
  /** The web app to serve instead of web/dist (wrangler dev --assets): another build, another version. */
  assets?: string;
  readyTimeoutMs?: number;
  /** Whether dispose() deletes persistDir; defaults to true exactly when persistDir is not given. */
  ownsPersistDir?: boolean;
  /** Told what the start is doing: the spawn (with its pid) and each new readiness probe result. */
  progress?: (note: string) => void;
};

/** A `wrangler dev` relay in its own process group. */
export type RelayProcess = {
  url: string;
  wsUrl: string;
  port: number;
  secret: string;
  persistDir: string;
  ownsPersistDir: boolean;
  /** The extra Worker vars it was started with; a restart keeps them. */
  vars: Record<string, string>;
  /** The web app it serves when not web/dist; a restart keeps it unless told otherwise. */
  assets: string | null;
  pid: number;
  /** Signals the whole process group and waits until every member is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM to the group, SIGKILL if it lingers. */
  stop(): Promise<void>;
  /** SIGKILL to the group, then deletes persistDir if this helper created it (restarts inherit that). */
  dispose(): Promise<void>;
  /** The tail of wrangler's stdout and stderr. */
  output(): string;
};

/** Process groups still alive, so that a crashing test run does not leave wrangler behind. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
});

/**
 * Starts the relay and resolves once `/healthz` answers `{ok:true}` from this very process. On a
 * port it chose itself, a start that lost a port race to another process (two batteries started in
 * the same second) is tried again on new ports.
 */
export async function startRelay(options: RelayOptions = {}): Promise<RelayProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      const raced = /Address already in use/.test((err as Error).message);
      if (!raced || options.port !== undefined || attempt >= 3) throw err;
      options.progress?.(`port race (attempt ${attempt}): starting again on new ports`);
    }
  }
}

async function startOnce(options: RelayOptions): Promise<RelayProcess> {
  const port = options.port ?? (await freePort());
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "tether-relay-"));
  const ownsPersistDir = options.ownsPersistDir ?? options.persistDir === undefined;
  const secret = options.secret ?? randomBytes(24).toString("base64url");
  const assets = options.assets ?? null;
  const child = spawnWrangler(port, persistDir, { ...options.vars, TETHER_RELAY_SECRET: secret }, assets);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn wrangler");
  live.add(pid);
  const vars = options.vars ?? {};
  const relay = handle(child, { pid, port, secret, persistDir, ownsPersistDir, vars, assets });
  options.progress?.(`wrangler pid ${pid} spawned on port ${port}`);
  try {
    await waitReady(relay, child, options.readyTimeoutMs ?? 90_000, options.progress);
  } catch (err) {
    const output = relay.output();
    if (options.persistDir === undefined) await relay.dispose();
    else await relay.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- wrangler output (tail) ---\n${output}`);
  }
  return relay;
}

/**
 * Starts the relay again on the same port, storage and secret (after a kill or stop); `assets`
 * deploys another build of the web app with it (a new version of the app on the same origin).
 */
export async function restartRelay(
  previous: RelayProcess,
  attempts = 5,
  progress?: (note: string) => void,
  assets = previous.assets,
): Promise<RelayProcess> {
  const { port, persistDir, secret, ownsPersistDir, vars } = previous;
  for (let i = 1; ; i++) {
    const tell = progress && ((note: string) => progress(`attempt ${i}/${attempts}: ${note}`));
    try {
      return await startRelay({
        port,
        persistDir,
        secret,
        ownsPersistDir,
        vars,
        ...(assets === null ? {} : { assets }),
        ...(tell ? { progress: tell } : {}),
      });
    } catch (err) {
      tell?.(`failed: ${(err as Error).message.split("\n")[0]}`);
      // The port can stay busy for a moment after a kill; anything else repeats and then surfaces.
      if (i >= attempts) throw err;
      await sleep(250 * i);
    }
  }
}

/** Mints a token with the relay secret (docs/protocol.md §3.2). */
export async function mintToken(
  relay: Pick<RelayProcess, "url" | "secret">,
  kind: "bridge" | "device",
  machineId: string,
): Promise<{ id: string; token: string }> {
  const res = await fetch(`${relay.url}/api/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${relay.secret}`, "content-type": "application/json" },
    body: JSON.stringify({ kind, machineId }),
  });
  if (res.status !== 201) throw new Error(`POST /api/tokens: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const found = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (port > 1024 && port !== 8787) return port;
  }
}

function spawnWrangler(
  port: number,
  persistDir: string,
  vars: Record<string, string>,
  assets: string | null,
): ChildProcess {
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...(assets === null ? [] : ["--assets", assets]),
  ];
  const { CLOUDFLARE_API_TOKEN: _t, CLOUDFLARE_ACCOUNT_ID: _a, ...env } = process.env;
  // Its own process group (detached), so that a kill reaches workerd too. Never via npx.
  return spawn(join(BIN, "wrangler"), args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...env,
      // wrangler's shebang is `env node`; the system node is too old.
      PATH: `${BIN}:${env.PATH ?? ""}`,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_LOG_PATH: join(persistDir, "wrangler-logs"),
    },
  });
}

type Identity = Pick<
  RelayProcess,
  "pid" | "port" | "secret" | "persistDir" | "ownsPersistDir" | "vars" | "assets"
>;

function handle(child: ChildProcess, id: Identity): RelayProcess {
  const { pid, port } = id;
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)));
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    signalGroup(pid, signal);
    const gone = await groupGone(pid, 10_000);
    if (!gone && signal !== "SIGKILL") return kill("SIGKILL");
    if (!gone) throw new Error(`process group ${pid} survived SIGKILL`);
    live.delete(pid);
  };
  return {
    ...id,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    kill,
    stop: () => kill("SIGTERM"),
    dispose: async () => {
      await kill("SIGKILL");
      if (id.ownsPersistDir) rmSync(id.persistDir, { recursive: true, force: true });
    },
    output: () => stripVTControlCharacters(output),
  };
}

/**
 * Ready when `/healthz` answers `{ok:true,…}` and our random secret is accepted: another server
 * (even another relay) may own the port for a moment, and only this process knows the secret.
 */
async function waitReady(
  relay: RelayProcess,
  child: ChildProcess,
  timeoutMs: number,
  progress?: (note: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  let told = "";
  while (Date.now() < deadline) {
    if (progress && last !== told) {
      told = last;
      progress(last);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler exited early (${child.exitCode ?? child.signalCode}); last probe: ${last}`);
    }
    const seen = await probeReady(relay);
    if (seen === null) return;
    last = seen;
    await sleep(100);
  }
  throw new Error(`relay not ready after ${timeoutMs} ms; last probe: ${last}`);
}

/**
 * One readiness probe: `/healthz` answers `{ok:true}` and the relay accepts our secret. Null when
 * ready, else what it saw. The whole exchange, bodies included, gets `ms`: a deadline raced
 * against it, not only the fetch's abort signal, because an abort that lands while a body is read
 * can leave `text()` pending for ever (Node's fetch; it hung a relay restart, and with it the
 * chaos battery, for 20+ minutes).
 */
export async function probeReady(
  relay: Pick<RelayProcess, "url" | "secret">,
  ms = 2_000,
): Promise<string | null> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(`no answer within ${ms} ms`);
    }, ms);
  });
  const exchange = probeOnce(relay, abort.signal).catch((err: Error) => err.message);
  try {
    return await Promise.race([exchange, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function probeOnce(
  relay: Pick<RelayProcess, "url" | "secret">,
  signal: AbortSignal,
): Promise<string | null> {
  const health = await fetch(`${relay.url}/healthz`, { signal });
  const text = await health.text();
  if (health.status !== 200 || (JSON.parse(text) as { ok?: unknown }).ok !== true)
    return `healthz ${health.status} ${text.slice(0, 200)}`;
  const mine = await fetch(`${relay.url}/api/tokens`, {
    headers: { authorization: `Bearer ${relay.secret}` },
    signal,
  });
  await mine.body?.cancel();
  return mine.status === 200 ? null : `api/tokens ${mine.status}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
