import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { BodyError, boundedText, jsonOf } from "../http-body.ts";
import { pidAlive } from "../pid-alive.ts";
import { ControlError, ControlFile } from "./control-api.ts";

/** The control API answers with small JSON documents. */
const BODY = { ms: 20_000, maxBytes: 4 << 20 };

export type ControlResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: "not_running" | string; status: number; message: string };

/** Calls the control API of the bridge running on `stateDir`, if there is one, within `timeoutMs`. */
export async function controlCall<T>(
  stateDir: string,
  method: "GET" | "POST",
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
  timeoutMs = 20_000,
): Promise<ControlResult<T>> {
  const found = readControlFile(stateDir);
  if (!found.ok) return found;
  const { port, secret, pid } = found.value;
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const why = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return notRunning(stateDir, `its control API (pid ${pid}, port ${port}) does not answer: ${why}`);
  }
  let json: unknown;
  try {
    json = jsonOf(await boundedText(res, { ...BODY, ms: timeoutMs }));
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    return notRunning(
      stateDir,
      `its control API (pid ${pid}, port ${port}) stopped answering: ${err.message}`,
    );
  }
  if (res.ok) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    return {
      ok: false,
      code: "bad_answer",
      status: res.status,
      message: `unexpected answer from the bridge: ${JSON.stringify(json).slice(0, 200)}`,
    };
  }
  const error = ControlError.safeParse(json);
  if (error.success) return { ok: false, status: res.status, ...error.data.error };
  return { ok: false, code: "bad_answer", status: res.status, message: `the bridge answered ${res.status}` };
}

function readControlFile(stateDir: string): ControlResult<ControlFile> {
  const path = join(stateDir, "control.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return notRunning(stateDir, null);
    throw err;
  }
  const parsed = ControlFile.safeParse(JSON.parse(text));
  if (!parsed.success) return notRunning(stateDir, `${path} is not a control file`);
  if (!pidAlive(parsed.data.pid)) return notRunning(stateDir, `pid ${parsed.data.pid} left ${path} behind`);
  return { ok: true, value: parsed.data };
}

function notRunning(
  stateDir: string,
  detail: string | null,
): { ok: false; code: "not_running"; status: 0; message: string } {
  const hint = "start one with `tether up` (local relay) or `tether bridge`";
  return {
    ok: false,
    code: "not_running",
    status: 0,
    message: `no bridge is running for the state dir ${stateDir}${detail ? ` (${detail})` : ""}: ${hint}`,
  };
}
