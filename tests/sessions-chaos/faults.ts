import type { Observer, SessionPhone } from "./phones.ts";
import type { KillMoment, PlannedFault } from "./plan.ts";
import { sleep, waitFor } from "./wait.ts";
import type { SessionsWorld } from "./world.ts";

/** How long a kill waits for its moment (a turn, a prompt, a tool) before it kills anyway. */
const TRIGGER_MS = 20_000;
/** A restarted bridge has said hello in the machine room (machine.info) within this. */
const RESTART_MS = 90_000;

export type FaultRecord = {
  kind: PlannedFault["kind"];
  detail: string;
  /** For kills: whether the moment was found, and what was under way when it struck. */
  triggered?: boolean;
  openTurns?: number;
  openPrompts?: number;
  runningTools?: number;
  /** How long until the bridge (or relay) was back. */
  recoveryMs?: number;
  ok: boolean;
};

export type FaultDeps = {
  world: SessionsWorld;
  observer: Observer;
  phones: SessionPhone[];
  /** machine.info messages the observer has seen (a restarted bridge publishes one). */
  machineInfos: () => number;
  /** Permission answers the phones have sent so far. */
  answersSent: () => number;
};

export async function runFault(f: PlannedFault, d: FaultDeps): Promise<FaultRecord> {
  switch (f.kind) {
    case "bridge_kill":
      return bridgeKill(f, d);
    case "relay_kill": {
      const t0 = Date.now();
      await d.world.killRelay();
      return {
        kind: f.kind,
        detail: "SIGKILL, restart on its storage",
        recoveryMs: Date.now() - t0,
        ok: true,
      };
    }
    case "net_cut":
    case "net_stall": {
      const proxy = f.target === "bridge" ? d.world.bridgeNet : d.world.phoneNet;
      if (f.kind === "net_cut") proxy.cut();
      else proxy.stall();
      await sleep(f.durationMs);
      if (f.kind === "net_cut") proxy.restore();
      else proxy.unstall();
      return { kind: f.kind, detail: `${f.target} ${f.durationMs} ms`, ok: true };
    }
    case "phone_reload":
      d.phones[f.phone]?.reload();
      return { kind: f.kind, detail: `phone-${f.phone}`, ok: true };
    case "phone_offline":
      d.phones[f.phone]?.offline();
      await sleep(f.durationMs);
      d.phones[f.phone]?.online();
      return { kind: f.kind, detail: `phone-${f.phone} ${f.durationMs} ms`, ok: true };
  }
}

async function bridgeKill(
  f: Extract<PlannedFault, { kind: "bridge_kill" }>,
  d: FaultDeps,
): Promise<FaultRecord> {
  const o = d.observer;
  const answers = d.answersSent();
  const triggered = await waitFor(() => moment(f.at, o, d.answersSent() > answers), TRIGGER_MS);
  await sleep(f.delayMs);
  const under = {
    openTurns: o.openTurns.size,
    openPrompts: o.openPrompts.size,
    runningTools: o.running.size,
  };
  const infos = d.machineInfos();
  await d.world.killBridge(!f.groupKill);
  await sleep(f.restartAfterMs);
  const t0 = Date.now();
  d.world.startBridge();
  const back = await waitFor(() => d.machineInfos() > infos, RESTART_MS);
  return {
    kind: f.kind,
    detail: `${f.at}${f.groupKill ? "" : " (bridge only)"}`,
    triggered,
    ...under,
    recoveryMs: Date.now() - t0,
    ok: back,
  };
}

function moment(at: KillMoment, o: Observer, answered: boolean): boolean {
  switch (at) {
    case "mid_turn":
      return o.openTurns.size > 0;
    case "mid_tool":
      return o.running.size > 0;
    case "permission_wait":
      return o.openPrompts.size > 0;
    case "on_answer":
      return answered;
    case "any":
      return true;
  }
}
