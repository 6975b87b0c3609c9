import { z } from "zod";
import { MachineId, Role } from "../../../shared/protocol/ids.ts";
import { wipeDeviceKeys } from "../e2e/key-store.ts";
import { me } from "./api.ts";
import { credentialsLoaded, devices, type Device as StoredDevice } from "./devices.ts";
import { kvGet, kvSet, tx } from "./idb.ts";
import { randomId } from "./ids.ts";

/** Tokens this browser holds: a device token per paired machine, a share token per shared room. */

const Device = z.object({
  machineId: MachineId,
  token: z.string(),
  credId: z.string(),
  label: z.string(),
  pairedAt: z.number(),
  name: z.string().max(80).optional(),
  /** The machine's relay when it is not the one serving this app (docs/protocol.md §3.6). */
  relay: z.string().url().optional(),
});
export type Device = z.infer<typeof Device>;
// devices.ts names the same shape for the first screen; this keeps the two equal.
const sameShape: StoredDevice extends Device ? (Device extends StoredDevice ? true : never) : never = true;
void sameShape;

const Share = z.object({
  room: z.string(),
  token: z.string(),
  credId: z.string(),
  addedAt: z.number(),
  /** What the relay last said the share may do, so that an open without network knows it too. */
  role: Role.optional(),
});
export type Share = z.infer<typeof Share>;

const Devices = z.array(Device);
const Shares = z.record(z.string(), Share);
const RoomMachines = z.record(z.string(), z.string());

export type Credential = {
  kind: "device" | "share";
  token: string;
  credId: string;
  machineId: string | null;
  /** A device is a controller; a share's role is what the relay said last (null: not asked yet). */
  role: Role | null;
  /** The relay's origin when it is not this page's (a device of a peer relay), else null. */
  relay: string | null;
};

export { credentialsLoaded, devices };

export async function loadCredentials(): Promise<void> {
  devices.value = parseOr(Devices, await kvGet("devices"), []);
  credentialsLoaded.value = true;
}

export async function addDevice(
  machineId: string,
  token: string,
  label: string,
  relay: string | null = null,
): Promise<void> {
  const device: Device = { machineId, token, credId: randomId(6), label, pairedAt: Date.now() };
  if (relay) device.relay = relay;
  const next = [...devices.value.filter((d) => d.machineId !== machineId), device];
  await kvSet("devices", next);
  devices.value = next;
}

/** A local name for a machine (null: back to the machine's own); the relay and the machine never see it. */
export async function renameDevice(machineId: string, name: string | null): Promise<void> {
  const clean = name?.trim().slice(0, 80) ?? "";
  const next = devices.value.map((d) => {
    if (d.machineId !== machineId) return d;
    const { name: _old, ...rest } = d;
    return clean ? { ...rest, name: clean } : rest;
  });
  await kvSet("devices", next);
  devices.value = next;
}

/** Drops the pairing with a machine, and the keys it brought (docs/protocol.md §12). */
export async function removeDevice(machineId: string): Promise<void> {
  const next = devices.value.filter((d) => d.machineId !== machineId);
  await tx("kv", "readwrite", (t) => {
    t.objectStore("kv").put(next, "devices");
    wipeDeviceKeys(t.objectStore("kv"), machineId);
  });
  devices.value = next;
}

export async function addShare(room: string, token: string): Promise<void> {
  const shares = await loadShares();
  if (shares[room]?.token === token) return;
  shares[room] = { room, token, credId: randomId(6), addedAt: Date.now() };
  await kvSet("shares", shares);
}

/** Keeps the share's role as the relay answered it (GET /api/me). */
export async function rememberShareRole(room: string, token: string, role: Role): Promise<void> {
  const shares = await loadShares();
  const share = shares[room];
  if (!share || share.token !== token || share.role === role) return;
  shares[room] = { ...share, role };
  await kvSet("shares", shares);
}

export async function removeShare(room: string): Promise<void> {
  const shares = await loadShares();
  delete shares[room];
  await kvSet("shares", shares);
}

/** Session rooms this phone has recorded as `machineId`'s. */
export async function roomsOfMachine(machineId: string): Promise<string[]> {
  const map = parseOr(RoomMachines, await kvGet("roomMachine"), {});
  return Object.keys(map).filter((room) => map[room] === machineId);
}

/**
 * Drops every credential and record this phone keeps of a machine: its device token, which of
 * `rooms` are its, and any share token for them.
 */
export async function dropMachineCredentials(machineId: string, rooms: readonly string[]): Promise<void> {
  const map = parseOr(RoomMachines, await kvGet("roomMachine"), {});
  for (const room of Object.keys(map)) if (map[room] === machineId || rooms.includes(room)) delete map[room];
  await kvSet("roomMachine", map);
  const shares = await loadShares();
  for (const room of rooms) delete shares[room];
  await kvSet("shares", shares);
  await removeDevice(machineId);
}

/** Remembers which machine a session room belongs to, so a reload of /s/<room> finds its token. */
export async function rememberRoomMachine(room: string, machineId: string): Promise<void> {
  const map = parseOr(RoomMachines, await kvGet("roomMachine"), {});
  if (map[room] === machineId) return;
  map[room] = machineId;
  await kvSet("roomMachine", map);
}

/**
 * The token to open `room` with. The owning machine's device token when this phone is paired with
 * it (it can do more than any share), else a share for that room, else whichever paired machine
 * the relay says owns the room (a guess could end in a 4403 that is never retried).
 */
export async function credentialFor(room: string): Promise<Credential | null> {
  if (room.startsWith("m-")) return deviceCredential(room.slice(2));
  const known = parseOr(RoomMachines, await kvGet("roomMachine"), {})[room];
  const device = known ? deviceCredential(known) : null;
  if (device) return device;
  const share = (await loadShares())[room];
  if (share)
    return {
      kind: "share",
      token: share.token,
      credId: share.credId,
      machineId: null,
      role: share.role ?? null,
      relay: null,
    };
  for (const d of devices.value) {
    const r = await me(d.token, d.relay);
    if (r.ok && r.data.rooms.includes(room)) {
      await rememberRoomMachine(room, d.machineId);
      return deviceCredential(d.machineId);
    }
  }
  return null;
}

function deviceCredential(machineId: string): Credential | null {
  const d = devices.value.find((x) => x.machineId === machineId);
  return d
    ? {
        kind: "device",
        token: d.token,
        credId: d.credId,
        machineId,
        role: "controller",
        relay: d.relay ?? null,
      }
    : null;
}

async function loadShares(): Promise<Record<string, Share>> {
  return parseOr(Shares, await kvGet("shares"), {});
}

/** What IndexedDB holds was written by an older or newer version of this app: check it. */
function parseOr<S extends z.ZodType>(schema: S, value: unknown, fallback: z.infer<S>): z.infer<S> {
  if (value === undefined) return fallback;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  console.warn("tether: ignoring stored data of an unexpected shape", r.error.issues[0]);
  return fallback;
}
