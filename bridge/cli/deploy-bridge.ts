import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type SavedConfig, saveConfig } from "../config.ts";
import { relayApi } from "../control/relay-api.ts";
import { loadDeployRecord, SECRET_FILE } from "./deploy-state.ts";
import { initMachine } from "./init-command.ts";
import { CliError } from "./options.ts";

/**
 * What `tether deploy` does with the state dir's machine, decided before anything is deployed.
 * One state dir holds one machine on one relay (README), so:
 * - `new`: nothing there yet; a machine is registered on the deployed relay.
 * - `keep`: the dir was set up by an earlier deploy of this Worker; its machine, sessions and
 *   paired phones stay (the Worker keeps its Durable Objects across deploys).
 * - `replace` (--force): the dir holds a machine of another relay (usually `tether up`'s embedded
 *   one). Its phones hold tokens only that relay knows, and its rooms' history lives in that
 *   relay's storage: a new machine is registered on the deployed relay and phones pair again.
 * - `refuse`: as `replace`, without --force; nothing is deployed and the message says the choices.
 */
export type BridgePlan =
  | { kind: "new" }
  | { kind: "keep"; config: SavedConfig }
  | { kind: "replace"; config: SavedConfig; embedded: boolean }
  | { kind: "refuse"; message: string };

export function planBridge(stateDir: string, worker: string, force: boolean): BridgePlan {
  const config = loadConfig(stateDir);
  if (config === null) return { kind: "new" };
  const record = loadDeployRecord(stateDir);
  if (record && record.name === worker && record.url === config.relayUrl) return { kind: "keep", config };
  const embedded = existsSync(join(stateDir, "relay"));
  if (force) return { kind: "replace", config, embedded };
  return { kind: "refuse", message: refusal(stateDir, config, embedded) };
}

function refusal(stateDir: string, config: SavedConfig, embedded: boolean): string {
  const whose = embedded ? "the embedded relay of `tether up`" : "another relay";
  return (
    `${stateDir} holds machine ${config.machineId} on ${whose} (${config.relayUrl}). Nothing was deployed.\n` +
    "The deployed relay cannot take that machine's phones or history over: the phones hold tokens only that relay knows, " +
    `and its rooms' history stays in its storage${embedded ? ` (${join(stateDir, "relay")})` : ""}. Choose:\n` +
    "  tether deploy --state-dir DIR   a separate setup for the deployed relay (keeps this one for `tether up`;\n" +
    "                                  then run tether bridge/pair/status with the same --state-dir)\n" +
    "  tether deploy --force           this state dir moves to the deployed relay: a new machine there, phones pair\n" +
    "                                  again, and `tether up` no longer uses this state dir"
  );
}

/** The plan as one line for the dry run's printed plan. */
export function describeBridgePlan(plan: BridgePlan, stateDir: string): string {
  switch (plan.kind) {
    case "new":
      return `register this machine on the deployed relay and save it in ${stateDir}`;
    case "keep":
      return `keep machine ${plan.config.machineId} in ${stateDir} (the Worker keeps its tokens and rooms)`;
    case "replace":
      return `replace machine ${plan.config.machineId} of ${plan.config.relayUrl} in ${stateDir} with a new machine on the deployed relay; phones pair again`;
    case "refuse":
      return `refused: ${plan.message.split("\n")[0]}`;
  }
}

/**
 * What was done: the plan's kind, or `register-again` when a kept machine's token was refused (the
 * relay's storage was deleted, or the machine revoked) and a new machine took its place.
 */
export type PointedBridge = {
  config: SavedConfig;
  note: string;
  outcome: "new" | "keep" | "replace" | "register-again";
  /** The machine this state dir held before, when a new one took its place. */
  previousMachineId?: string;
};

/**
 * Points the state dir's bridge at the deployed relay. `secret` is the Worker's relay secret when
 * this run knows it (set now, `secretSet`, or saved by an earlier deploy); a new machine needs it.
 */
export async function pointBridge(
  plan: Exclude<BridgePlan, { kind: "refuse" }>,
  o: RegisterOptions,
): Promise<PointedBridge> {
  if (plan.kind === "keep") {
    const me = await relayApi.me({ relayUrl: o.url, token: plan.config.token });
    if (me.ok && me.value.machineId === plan.config.machineId) {
      const config = plan.config.relayUrl === o.url ? plan.config : { ...plan.config, relayUrl: o.url };
      if (config !== plan.config) saveConfig(o.stateDir, config);
      return {
        config,
        note: `Kept machine ${config.machineId}: its sessions and paired phones carry on.`,
        outcome: "keep",
      };
    }
    if (me.ok || me.code === "unauthorized") {
      const config = await register(o, plan.config.name, true);
      return {
        config,
        note:
          `The deployed relay no longer knows machine ${plan.config.machineId} (its token was revoked or its storage was deleted): ` +
          `registered machine ${config.machineId} instead. Phones pair again.`,
        outcome: "register-again",
        previousMachineId: plan.config.machineId,
      };
    }
    throw new CliError(`the deployed relay at ${o.url} did not answer GET /api/me: ${me.message}`, 1);
  }
  if (plan.kind === "new") {
    const config = await register(o, undefined, false);
    return { config, note: `Registered machine ${config.machineId} on the deployed relay.`, outcome: "new" };
  }
  const config = await register(o, plan.config.name, true);
  const where = plan.embedded
    ? `the embedded relay's storage (${join(o.stateDir, "relay")}); \`tether up\` no longer uses this state dir`
    : `the relay at ${plan.config.relayUrl}`;
  return {
    config,
    note:
      `Registered machine ${config.machineId} on the deployed relay in place of ${plan.config.machineId}. ` +
      `Phones paired before hold tokens only the old relay knows: pair them again with the code below. ` +
      `The old sessions' history stays in ${where}.`,
    outcome: "replace",
    previousMachineId: plan.config.machineId,
  };
}

type RegisterOptions = { stateDir: string; url: string; secret: string | null; secretSet: boolean };

async function register(o: RegisterOptions, name: string | undefined, force: boolean): Promise<SavedConfig> {
  if (o.secret === null)
    throw new CliError(
      `registering this machine needs the relay secret, which this state dir does not hold: run tether deploy --new-secret (sets a new one on the Worker), or set TETHER_RELAY_SECRET to the Worker's secret`,
      1,
    );
  // A saved secret the Worker no longer takes (set anew with wrangler, or by another state dir):
  // tether init's "check TETHER_RELAY_SECRET" would send the person the wrong way. (One this run
  // has just set is not questioned: it is the Worker's, and init's own answer stays the word.)
  if (!o.secretSet && (await secretStatus(o.url, o.secret)) === 401)
    throw new CliError(
      `the deployed relay refused the relay secret kept in ${join(o.stateDir, SECRET_FILE)} (the Worker's secret was changed since), ` +
        "so this machine cannot be registered with it; the state dir keeps its old machine. Run tether deploy --new-secret " +
        "(sets a new secret on the Worker and registers this machine with it; tokens already minted keep working)",
      1,
    );
  return initMachine({ relay: o.url, secret: o.secret, stateDir: o.stateDir, name, force });
}

/** The status of the secret-only `GET /api/tokens` with `secret`; 0 when the relay did not answer. */
async function secretStatus(url: string, secret: string): Promise<number> {
  try {
    const res = await fetch(`${url}/api/tokens`, {
      headers: { authorization: `Bearer ${secret}` },
      signal: AbortSignal.timeout(30_000),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    // Unreachable now: registering tries again and says so with its own message.
    return 0;
  }
}
