import type { z } from "zod";
import { defaultStateDir } from "../config.ts";
import { controlCall } from "../control/control-client.ts";
import { CliError } from "./options.ts";

/**
 * One call to the control API of the bridge running on `stateDir` (default: the usual state dir)
 * and its answer; no bridge, or an error, is a CliError with the control API's message (exit 1).
 */
export async function askBridge<T>(
  stateDir: string | undefined,
  method: "GET" | "POST",
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
): Promise<T> {
  const res = await controlCall(stateDir ?? defaultStateDir(), method, path, schema, body);
  if (!res.ok) throw new CliError(res.message, 1);
  return res.value;
}
