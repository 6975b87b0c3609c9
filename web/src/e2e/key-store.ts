import { type E2eKey, isSoftKey } from "../../../shared/core/e2e/primitives.ts";
import { db, req, tx } from "../lib/idb.ts";

/**
 * What this phone keeps for end-to-end encryption (docs/protocol.md §12), in IndexedDB's `kv`
 * store as CryptoKeys, which IndexedDB clones without ever exposing their bytes (all of them are
 * made non-extractable): per paired machine the device's recipient and the key that unwraps its
 * grants, per share link the same, and per room every key generation it was granted. A page
 * without WebCrypto (plain HTTP on a LAN address) keeps the pure-JavaScript twin's keys instead,
 * plain bytes (shared/core/e2e/primitives.ts). Wiped with the credential or room they belong to
 * (state/forget.ts through wipeRooms and removeDevice).
 */

type Key = E2eKey;

/** Who this phone is to the bridge for a credential, and the key its grants are wrapped under. */
export type Recipient = { to: string; wrapKey: Key };

/** A paired machine: the device's key pair and the machine's public key from the pairing link. */
export type DeviceKeys = Recipient & {
  tokenId: string;
  machineKey: string;
  privateKey: Key;
  publicKey: string;
};

const DEVICE = "tether.e2e.device.";
const SHARE = "tether.e2e.share.";
/** A device's `keys.enroll` until a grant answers it (enroll-watch.ts). */
export const ENROLL = "tether.e2e.enroll.";
/** `<prefix><room>.<generation>`: one entry per key, so two writers never overwrite each other. */
const ROOM_KEY = "tether.e2e.key.";

export async function saveDeviceKeys(machineId: string, keys: DeviceKeys): Promise<void> {
  await tx("kv", "readwrite", (t) => void t.objectStore("kv").put(keys, DEVICE + machineId));
}

export async function deviceKeys(machineId: string): Promise<DeviceKeys | null> {
  const v = await kvRead(DEVICE + machineId);
  return isRecipient(v) && typeof (v as DeviceKeys).tokenId === "string" ? (v as DeviceKeys) : null;
}

export async function saveShareKey(room: string, r: Recipient): Promise<void> {
  await tx("kv", "readwrite", (t) => void t.objectStore("kv").put(r, SHARE + room));
}

export async function shareKey(room: string): Promise<Recipient | null> {
  const v = await kvRead(SHARE + room);
  return isRecipient(v) ? v : null;
}

/** Every key generation this phone holds for `room`. */
export async function loadRoomKeys(room: string): Promise<Map<number, Key>> {
  const d = await db();
  const store = d.transaction("kv", "readonly").objectStore("kv");
  const range = roomRange(room);
  const [keys, values] = await Promise.all([req(store.getAllKeys(range)), req(store.getAll(range))]);
  const out = new Map<number, Key>();
  keys.forEach((k, i) => {
    const gen = Number(String(k).slice(ROOM_KEY.length + room.length + 1));
    const v = values[i];
    if (Number.isInteger(gen) && gen > 0 && isKey(v)) out.set(gen, v);
  });
  return out;
}

export async function saveRoomKey(room: string, k: number, key: Key): Promise<void> {
  await tx("kv", "readwrite", (t) => void t.objectStore("kv").put(key, `${ROOM_KEY}${room}.${k}`));
}

/** Inside a wipe's transaction: the room's keys and its share link's key go with the room. */
export function wipeRoomKeys(kv: IDBObjectStore, room: string): void {
  kv.delete(roomRange(room));
  kv.delete(SHARE + room);
}

/** Inside a transaction: a machine's device keys (the pairing is gone). */
export function wipeDeviceKeys(kv: IDBObjectStore, machineId: string): void {
  kv.delete(DEVICE + machineId);
  kv.delete(ENROLL + machineId);
}

function roomRange(room: string): IDBKeyRange {
  // Room ids never hold "." or "/" (§2.1): "." ends the room's part, "/" sorts right after it.
  return IDBKeyRange.bound(`${ROOM_KEY}${room}.`, `${ROOM_KEY}${room}/`, false, true);
}

async function kvRead(key: string): Promise<unknown> {
  const d = await db();
  return req(d.transaction("kv", "readonly").objectStore("kv").get(key));
}

function isRecipient(v: unknown): v is Recipient {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Partial<Recipient>;
  return typeof r.to === "string" && isKey(r.wrapKey);
}

function isKey(v: unknown): v is Key {
  // No CryptoKey at all where the page is not a secure context.
  return isSoftKey(v) || (typeof CryptoKey === "function" && v instanceof CryptoKey);
}
