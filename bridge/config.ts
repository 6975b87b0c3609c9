import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * Caps on what controllers can make the bridge hold (docs/protocol.md §9.3, §9.5), set with
 * `--max-sessions` and `--max-queued` (env TETHER_MAX_SESSIONS, TETHER_MAX_QUEUED).
 * `maxSessions`: sessions not ended on this machine; a create beyond it gets `too_many_sessions`.
 * `maxQueued`: inputs waiting in one session; a user.message beyond it gets `too_many_inputs`.
 * Both count per machine and per session rather than per controller: a controller picks its own
 * cids, so a count per cid would bound nothing.
 */
export type Caps = { maxSessions: number; maxQueued: number };
export const DEFAULT_CAPS: Caps = { maxSessions: 20, maxQueued: 50 };

/** What `tether init` saves so that a plain `tether bridge` works afterwards. */
export const SavedConfig = z.object({
  relayUrl: z.string().url(),
  token: z.string(),
  machineId: z.string(),
  cid: z.string(),
  name: z.string().optional(),
});
export type SavedConfig = z.infer<typeof SavedConfig>;

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TETHER_STATE_DIR) return env.TETHER_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "tether");
}

export function loadConfig(stateDir: string): SavedConfig | null {
  let text: string;
  try {
    text = readFileSync(join(stateDir, "config.json"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const parsed = SavedConfig.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${join(stateDir, "config.json")} is not a valid Tether config: ${parsed.error.message}`);
  return parsed.data;
}

/** Atomic (temp file + rename) and private (0600): the file holds a bearer token. */
export function saveConfig(stateDir: string, config: SavedConfig): void {
  writeFileAtomic(join(stateDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flush: true });
  renameSync(tmp, path);
}

export function newId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

/**
 * The bridge's client id for this state dir. It must survive restarts: the relay fences by cid and
 * epoch, so a second process on the same state only displaces the first if both use the same cid.
 */
export function installCid(stateDir: string): string {
  const path = join(stateDir, "cid");
  try {
    const cid = readFileSync(path, "utf8").trim();
    if (/^[A-Za-z0-9_-]{8,64}$/.test(cid)) return cid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const cid = newId("br", 12);
  writeFileAtomic(path, `${cid}\n`);
  return cid;
}
