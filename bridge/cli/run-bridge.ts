import { Bridge } from "../bridge.ts";
import type { BridgeStatus } from "../bridge-types.ts";
import type { Caps, SavedConfig } from "../config.ts";
import { startControlServer } from "../control/control-server.ts";
import { explain, relayApi } from "../control/relay-api.ts";
import type { MemoryBudget } from "./memory-flag.ts";
import { CliError } from "./options.ts";
import type { Terminal } from "./terminal.ts";

export type RunBridgeOptions = {
  config: Pick<SavedConfig, "relayUrl" | "token" | "machineId" | "cid"> & { name: string };
  stateDir: string;
  roots: string[];
  idleSleepMs: number;
  maxLive: number;
  /** `--max-live-memory`: the budget in bytes (null: not measurable here) and what to say at start. */
  maxLiveMemory?: MemoryBudget;
  caps: Caps;
  permissionTimeoutMs: number | null;
  /** A usage-limited input continues by itself after the reset (`--no-auto-continue` turns it off). */
  autoContinue?: boolean;
  terminal: Terminal;
  /** `tether up`: the relay lives in this process and stops with it. */
  embedded: boolean;
  stopSignal: AbortSignal;
  /** Runs once the bridge and its control API are up (e.g. print a pairing link). */
  onStarted?: () => Promise<void>;
};

/**
 * The bridge in the foreground, shared by `tether bridge` and `tether up`: checks the relay and
 * the token first (clear errors instead of endless retries), serves the control API, keeps the
 * status line current, and stops the bridge when `stopSignal` fires. Resolves with an exit code.
 */
export async function runBridge(o: RunBridgeOptions): Promise<number> {
  const { config, terminal: t } = o;
  await preflight(config, t);
  let exitCode = 0;
  const fatal = new AbortController();
  const bridge = new Bridge({
    ...config,
    stateDir: o.stateDir,
    roots: o.roots,
    idleSleepMs: o.idleSleepMs,
    maxLive: o.maxLive,
    maxLiveMemory: o.maxLiveMemory?.bytes ?? null,
    caps: o.caps,
    permissionTimeoutMs: o.permissionTimeoutMs,
    autoContinue: o.autoContinue ?? true,
    log: t.log,
    fatal: (message) => {
      t.log.error(message);
      exitCode = 3;
      fatal.abort();
    },
    onChange: () => refresh(),
  });
  let stopping = false;
  // While stopping, links close one by one; a "connecting" status then would only mislead.
  const refresh = () => stopping || t.status(statusLine(bridge.status()));
  const control = await startControlServer({
    stateDir: o.stateDir,
    bridge,
    relay: { relayUrl: config.relayUrl, token: config.token },
    machineId: config.machineId,
    name: config.name,
    embedded: o.embedded,
    log: t.log,
  });
  // Outbox depths change with every message; a slow tick is enough for a human.
  const ticker = setInterval(refresh, 1_000);
  try {
    if (o.maxLiveMemory) t.log.info(o.maxLiveMemory.said);
    bridge.start();
    refresh();
    void tellAccount(bridge, t);
    await Promise.race([o.onStarted?.(), untilAborted(o.stopSignal), untilAborted(fatal.signal)]);
    await Promise.race([untilAborted(o.stopSignal), untilAborted(fatal.signal)]);
  } finally {
    stopping = true;
    clearInterval(ticker);
    await control.close();
    await bridge.stop();
    t.close();
  }
  t.log.info("bridge stopped");
  return exitCode;
}

/**
 * A wrong URL or a refused token cannot heal by retrying; a relay that is down for a moment can,
 * so only that case starts anyway (the bridge keeps reconnecting).
 */
async function preflight(config: RunBridgeOptions["config"], t: Terminal): Promise<void> {
  const me = await relayApi.me({ relayUrl: config.relayUrl, token: config.token });
  if (me.ok) {
    if (me.value.kind !== "bridge" || me.value.machineId !== config.machineId)
      throw new CliError(
        `the token is a ${me.value.kind} token of machine ${me.value.machineId}, not the bridge token of ${config.machineId}`,
        1,
      );
    return;
  }
  if (me.code === "unauthorized") throw new CliError(explain(me, config.relayUrl), 3);
  if (me.code === "unreachable" && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|aborted|timeout/i.test(me.message)) {
    t.log.warn(`${explain(me, config.relayUrl)}; retrying until it answers`);
    return;
  }
  throw new CliError(explain(me, config.relayUrl), 1);
}

export function statusLine(s: BridgeStatus): string {
  const relay = {
    idle: "starting",
    online: "connected",
    partial: "connecting rooms",
    offline: "connecting",
  }[s.relay.state];
  const live = s.sessions.filter((x) => x.live).length;
  const sleeping = s.sessions.filter((x) => x.state === "sleeping").length;
  const running = s.sessions.filter((x) => x.state === "running" || x.state === "awaiting_permission").length;
  const waiting = s.sessions.filter((x) => x.state === "awaiting_permission").length;
  const outbox = s.rooms.reduce((n, r) => n + r.outboxDepth, 0);
  const parts = [
    `relay ${relay}`,
    `${running} running, ${live} live, ${sleeping} sleeping`,
    `${waiting} prompt${waiting === 1 ? "" : "s"} waiting`,
  ];
  if (outbox > 0) parts.push(`${outbox} queued`);
  return parts.join(" · ");
}

/** Checks Claude Code's account once at start and says what to do when it cannot answer. */
async function tellAccount(bridge: Bridge, t: Terminal): Promise<void> {
  const a = await bridge.account.check();
  if (a.ok || !a.problem) return t.log.info("Claude Code account: ok");
  if (t.json) return t.log.warn("Claude Code cannot answer", { problem: a.problem });
  t.print(`\n${a.problem.text}\n${a.problem.fix}\nMessages sent meanwhile wait and run once it works.\n`);
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * SIGINT/SIGTERM/SIGHUP abort the returned signal (a clean stop). A repeat within 2 s is the same
 * Ctrl-C arriving twice (`npm start` forwards the terminal's SIGINT to its child, which the
 * terminal signalled already); a later one exits at once, for a person whose Ctrl-C seems to hang.
 */
export function stopOnSignals(t: Terminal): AbortSignal {
  const stop = new AbortController();
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      if (Date.now() - first < 2_000) return;
      t.log.warn(`${signal} again: exiting without a clean stop`);
      process.exit(130);
    }
    first = Date.now();
    t.log.info(`${signal}: stopping`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed terminal: stop cleanly too (the default would leave workerd behind).
  process.on("SIGHUP", onSignal);
  return stop.signal;
}
