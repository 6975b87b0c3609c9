import { defaultStateDir, loadConfig } from "../config.ts";
import { type Bearer, explain, type RelayApiResult } from "../control/relay-api.ts";
import { CliError } from "./options.ts";

/** The relay URL and bridge token that `tether up` or `tether init` saved in the state dir. */
export function savedBearer(stateDir = defaultStateDir()): Bearer & { machineId: string } {
  const config = loadConfig(stateDir);
  if (config === null)
    throw new CliError(
      `no machine is set up in ${stateDir}: run \`tether up\` (local relay) or \`tether init --relay URL\` (remote relay)`,
      1,
    );
  return { relayUrl: config.relayUrl, token: config.token, machineId: config.machineId };
}

/** One relay call with the bridge token saved in `stateDir` (default: the usual one): its value, or a CliError. */
export async function relayCall<T>(
  stateDir: string | undefined,
  call: (bearer: Bearer) => Promise<RelayApiResult<T>>,
): Promise<T> {
  const bearer = savedBearer(stateDir);
  return orFail(await call(bearer), bearer.relayUrl);
}

/** The value of a relay call, or a CliError that says what went wrong and what to do. */
export function orFail<T>(result: RelayApiResult<T>, relayUrl: string): T {
  if (result.ok) return result.value;
  throw new CliError(explain(result, relayUrl), result.code === "unauthorized" ? 3 : 1);
}
