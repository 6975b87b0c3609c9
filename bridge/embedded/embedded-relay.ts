import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { Logger } from "../log.ts";
import { withPrivateUmask } from "../private-files.ts";
import { type Bundle, bundleWorker } from "./bundle-worker.ts";
import { choosePort, type PortChoice, rememberPort } from "./ports.ts";
import { RELAY_CONFIG, REPO_ROOT } from "./relay-config.ts";
import { lockRelayDir } from "./relay-lock.ts";
import { loadOrCreateSecret } from "./relay-secret.ts";

export type EmbeddedRelayOptions = {
  stateDir: string;
  /** The address to listen on and to print: 127.0.0.1, or the LAN address with --lan. */
  host: string;
  /** An explicit --port (0 = any free port); null = the last start's port, else 8787, else a free one. */
  port: number | null;
  log: Logger;
  /** The repository whose relay/ and web/dist to run; this checkout by default. */
  root?: string;
  /** Other relays whose machines this app may reach (TETHER_PEER_RELAYS, docs/protocol.md §3.6). */
  peers?: readonly string[];
};

export type EmbeddedRelay = {
  /** The origin clients use and pairing links carry (TETHER_PUBLIC_URL). */
  url: string;
  host: string;
  port: number;
  secret: string;
  bundle: Bundle;
  dispose(): Promise<void>;
};

export type StartRelayResult =
  | { ok: true; relay: EmbeddedRelay }
  | { ok: false; code: "port_in_use" | "locked" | "web_build_failed"; message: string };

/**
 * The relay Worker in workerd through Miniflare, in this process: Room and Directory Durable
 * Objects on SQLite under `<stateDir>/relay`, web/dist served like wrangler's [assets].
 */
export async function startEmbeddedRelay(o: EmbeddedRelayOptions): Promise<StartRelayResult> {
  const relayDir = join(o.stateDir, "relay");
  mkdirSync(relayDir, { recursive: true, mode: 0o700 });
  const lock = lockRelayDir(relayDir);
  if (!lock.ok)
    return {
      ok: false,
      code: "locked",
      message: `tether up already runs on ${o.stateDir} (pid ${lock.pid})`,
    };
  try {
    const started = await startLocked(o, relayDir);
    if (!started.ok) {
      lock.release();
      return started;
    }
    const relay = started.relay;
    const dispose = async () => {
      await relay.dispose();
      lock.release();
    };
    return { ok: true, relay: { ...relay, dispose } };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(o: EmbeddedRelayOptions, relayDir: string): Promise<StartRelayResult> {
  const root = o.root ?? REPO_ROOT;
  // Importing Miniflare takes ~0.5 s; the bundle and the web build run meanwhile.
  const [mf, bundle, web] = await Promise.all([
    import("miniflare"),
    bundleWorker(relayDir, root),
    buildWebAssets(root, o.log),
  ]);
  if (web !== null) return { ok: false, code: "web_build_failed", message: web };
  const secret = loadOrCreateSecret(join(relayDir, "secret"));
  for (let attempt = 1; ; attempt++) {
    const choice = await choosePort(relayDir, o.host, o.port);
    if (!choice.ok) return { ok: false, code: "port_in_use", message: choice.message };
    if (choice.fellBack)
      o.log.warn(`port ${choice.wanted} is in use; the relay takes ${choice.port} instead`);
    const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${choice.port}`;
    const inputs = {
      root,
      relayDir,
      bundle,
      secret,
      url,
      choice,
      host: o.host,
      log: o.log,
      peers: o.peers ?? [],
    };
    // workerd inherits the umask when it is spawned, and creates the Durable Objects' files with it.
    const { instance, error } = await withPrivateUmask(async () => {
      const mfi = withoutSignalExit(() => new mf.Miniflare(miniflareOptions(mf, inputs)));
      try {
        await mfi.ready;
        return { instance: mfi, error: null };
      } catch (err) {
        return { instance: mfi, error: err };
      }
    });
    if (error !== null) {
      await instance.dispose();
      // Another process can take a free port between our probe and workerd's bind: try another.
      if (!(error instanceof mf.MiniflareCoreError && error.code === "ERR_ADDRESS_IN_USE")) throw error;
      if (o.port !== null || attempt >= 3)
        return { ok: false, code: "port_in_use", message: `port ${choice.port} on ${o.host} is in use` };
      continue;
    }
    rememberPort(relayDir, choice.port);
    return {
      ok: true,
      relay: { url, host: o.host, port: choice.port, secret, bundle, dispose: () => instance.dispose() },
    };
  }
}

type Inputs = {
  root: string;
  relayDir: string;
  bundle: Bundle;
  secret: string;
  url: string;
  host: string;
  choice: Extract<PortChoice, { ok: true }>;
  log: Logger;
  peers: readonly string[];
};

type MiniflareModule = typeof import("miniflare");

function miniflareOptions(mf: MiniflareModule, i: Inputs) {
  const { assets } = RELAY_CONFIG;
  return mf.convertV4MiniflareOptions({
    host: i.host,
    port: i.choice.port,
    // No cf.json download: the relay never reads request.cf, and it must start offline.
    cf: false,
    logRequests: false,
    log: relayLog(mf, i.log),
    handleStructuredLogs: ({ level, message }) => {
      if (level === "error" || level === "warn") i.log[level](`relay: ${stripVTControlCharacters(message)}`);
    },
    resourcePersistencePath: join(i.relayDir, "data"),
    name: RELAY_CONFIG.name,
    modules: true,
    modulesRoot: i.relayDir,
    scriptPath: i.bundle.path,
    compatibilityDate: RELAY_CONFIG.compatibilityDate,
    bindings: {
      ...RELAY_CONFIG.vars,
      ...RELAY_CONFIG.embeddedVars,
      // The host it listens on and prints (the LAN address with --lan); loopback is always served.
      TETHER_HOSTS: new URL(i.url).hostname,
      TETHER_RELAY_SECRET: i.secret,
      TETHER_PUBLIC_URL: i.url,
      ...(i.peers.length > 0 ? { TETHER_PEER_RELAYS: i.peers.join(",") } : {}),
    },
    durableObjects: Object.fromEntries(
      Object.entries(RELAY_CONFIG.durableObjects).map(([binding, className]) => [
        binding,
        { className, useSQLite: true },
      ]),
    ),
    assets: {
      directory: join(i.root, assets.directory),
      binding: assets.binding,
      run_worker_first: assets.runWorkerFirst,
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: assets.runWorkerFirst },
      assetConfig: { not_found_handling: assets.notFoundHandling },
    },
  });
}

/**
 * wrangler.toml's [build] command, run on every start as `wrangler dev` does (it returns at once
 * when web/ is unchanged). A failed build with an earlier web/dist still serves that one; without
 * one the failure is returned.
 */
async function buildWebAssets(root: string, log: Logger): Promise<string | null> {
  const failure = await new Promise<string | null>((resolve) => {
    execFile(process.execPath, [join(root, RELAY_CONFIG.buildWeb)], { cwd: root }, (err, stdout, stderr) =>
      resolve(err ? `${stdout}${stderr}`.trim().split("\n").slice(-12).join("\n") || err.message : null),
    );
  });
  if (failure === null) return null;
  const index = join(root, RELAY_CONFIG.assets.directory, "index.html");
  if (!existsSync(index)) return `building the phone app (${RELAY_CONFIG.buildWeb}) failed:\n${failure}`;
  log.warn("building the phone app failed; serving the previous web/dist", { error: failure.slice(0, 2000) });
  return null;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Miniflare's exit hook answers SIGINT/SIGTERM/SIGHUP by killing workerd and exiting at once,
 * which would cut the bridge off mid-shutdown. The CLI handles those signals itself and disposes
 * Miniflare last; Miniflare's "exit" hook stays as the safety net that kills workerd.
 */
function withoutSignalExit<T>(create: () => T): T {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const created = create();
  for (const s of SIGNALS) {
    for (const listener of process.listeners(s)) {
      if (!before.get(s)?.has(listener)) process.removeListener(s, listener);
    }
  }
  return created;
}

/** Miniflare's own messages (startup, warnings) into the bridge's log, so the status line stays intact. */
function relayLog(mf: MiniflareModule, sink: Logger) {
  class RelayLog extends mf.Log {
    protected override log(message: string): void {
      sink.warn(`relay: ${stripVTControlCharacters(message)}`);
    }
  }
  return new RelayLog(mf.LogLevel.WARN);
}
