import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../config.ts";

/**
 * What `tether deploy` keeps in the state dir beside config.json: which Worker it deployed and
 * where (deploy.json), and the Worker's TETHER_RELAY_SECRET (deployed-relay-secret, 0600). The
 * bridge itself needs neither; a re-run reads them to update the Worker in place without a new
 * secret, and the secret registers this machine again should the relay lose its token (or another
 * machine, with `tether init`).
 */
export const DeployRecord = z.object({ name: z.string(), url: z.string().url() });
export type DeployRecord = z.infer<typeof DeployRecord>;

export const RECORD_FILE = "deploy.json";
export const SECRET_FILE = "deployed-relay-secret";

export function loadDeployRecord(stateDir: string): DeployRecord | null {
  const text = readOrNull(join(stateDir, RECORD_FILE));
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = DeployRecord.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function saveDeployRecord(stateDir: string, record: DeployRecord): void {
  writeFileAtomic(join(stateDir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The secret this state dir set on its Worker, or null (never deployed from here, or a short one). */
export function loadDeployedSecret(stateDir: string): string | null {
  const path = join(stateDir, SECRET_FILE);
  const secret = readOrNull(path)?.trim() ?? "";
  if (secret.length < 32) return null;
  chmodSync(path, 0o600);
  return secret;
}

export function saveDeployedSecret(stateDir: string, secret: string): void {
  writeFileAtomic(join(stateDir, SECRET_FILE), `${secret}\n`);
}

/** 32 random bytes, base64url: the same strength as the embedded relay's secret. */
export function newRelaySecret(): string {
  return randomBytes(32).toString("base64url");
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8").slice(0, 64 * 1024);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
