import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { MachineId } from "../../shared/protocol/ids.ts";
import { EcPrivateJwk } from "../../shared/webpush/ec-keys.ts";
import { writeFileAtomic } from "../config.ts";
import { type MachineKeys, machineKeysOf } from "../e2e/node-seal.ts";

/**
 * A machine this terminal was paired with by `tether login` (a device credential, like a phone's):
 * the relay, the device token, and the end-to-end key pair whose public half the bridge grants
 * room keys to. Kept in `<state dir>/logins.json` (0600); one login per machine.
 */
export const Login = z.object({
  relay: z.string().url(),
  machineId: MachineId,
  token: z.string().min(1),
  tokenId: z.string().min(1),
  /** The machine's public key, from the pairing link's `m`. */
  machineKey: z.string(),
  privateJwk: EcPrivateJwk,
  label: z.string(),
  at: z.number(),
});
export type Login = z.infer<typeof Login>;

const LoginsFile = z.object({ logins: z.array(Login) });

export const LOGINS_FILE = "logins.json";

export function loadLogins(stateDir: string): Login[] {
  const path = join(stateDir, LOGINS_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON; move it away and run "tether login" again`);
  }
  const parsed = LoginsFile.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a Tether logins file; move it away and log in again`);
  return parsed.data.logins;
}

/** Adds or replaces the machine's login (atomic write, mode 0600: it holds a token and a private key). */
export function saveLogin(stateDir: string, login: Login): void {
  const others = loadLogins(stateDir).filter((l) => l.machineId !== login.machineId);
  writeFileAtomic(
    join(stateDir, LOGINS_FILE),
    `${JSON.stringify({ logins: [...others, login] }, null, 2)}\n`,
  );
}

export function loginKeys(login: Login): MachineKeys {
  return machineKeysOf(login.privateJwk);
}
