import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { Opener } from "../e2e/opener.ts";
import { RoomKeys } from "../e2e/room-keys.ts";
import { dropMachineCredentials, removeShare, roomsOfMachine } from "../lib/credentials.ts";
import { DRAFT_KEY, PENDING_KEY, PROMPT_KEY } from "../lib/storage-keys.ts";
import { IdbRoomStore, wipeRooms } from "../net/idb-room-store.ts";
import { forgotten, mark } from "./forgotten.ts";
import type { RoomModel } from "./room-model.ts";
import { dropRoom, onRevoked } from "./rooms.ts";

/**
 * A credential the relay refuses (close 4001, HTTP 401) or one the user forgets takes with it
 * everything this phone keeps of what it opened: mirrored messages, cursors, queued messages,
 * drafts and first prompts. A paired machine's credential covers its machine room and every
 * session room; a share's, its one room.
 */

/**
 * Wipes what the phone keeps of a machine and drops its credentials; idempotent. `revoked`: the
 * relay refused its token; else the person forgot the machine on this phone.
 */
export async function forgetMachine(machineId: string, revoked = true): Promise<void> {
  const machineRoom = `m-${machineId}`;
  const { msgs: sealed, outbox } = await new IdbRoomStore(machineRoom).load(Number.POSITIVE_INFINITY);
  // The mirror holds what the relay stored (sealed): opened with the keys about to be wiped.
  const msgs = (await new Opener(new RoomKeys(machineRoom, { kind: "device", machineId })).open(sealed)).msgs;
  const rooms = new Set([...(await roomsOfMachine(machineId)), ...sessionRooms(msgs)]);
  const all = [machineRoom, ...rooms];
  for (const room of all) dropRoom(room, revoked);
  await wipeRooms(all);
  await dropMachineCredentials(machineId, [...rooms]);
  const requests = [...msgs, ...outbox].filter((m) => m.kind === "machine.create_session").map((m) => m.mid);
  for (const mid of requests) localStorage.removeItem(PROMPT_KEY + mid);
  for (const room of all) localStorage.removeItem(DRAFT_KEY + room);
  sessionStorage.removeItem(PENDING_KEY + machineId);
  // A machine the person forgot on purpose is not announced as revoked.
  mark([revoked ? machineId : `forgot:${machineId}`, ...all.map((room) => `device:${room}`)]);
}

/** Wipes one shared room and drops its share token. */
export async function forgetShare(room: string, revoked = true): Promise<void> {
  dropRoom(room, revoked);
  await wipeRooms([room]);
  await removeShare(room);
  localStorage.removeItem(DRAFT_KEY + room);
  mark([`share:${room}`]);
}

/** Forgets the machine of a room's device credential, or the room of its share credential. */
export async function forgetCredentialOf(model: RoomModel): Promise<void> {
  const { cred, room } = model;
  const done = cred.kind === "device" && cred.machineId ? forgetMachine(cred.machineId) : forgetShare(room);
  await done.catch((err: unknown) =>
    console.error("tether: could not wipe a revoked credential's data", err),
  );
}

/** From start-up on: every room whose credential the relay refuses is forgotten as above. */
export function forgetRevokedCredentials(): void {
  onRevoked((model) => void forgetCredentialOf(model));
}

/** Whether what the phone kept of this room's credential is gone (for the UI). */
export function isForgotten(model: RoomModel): boolean {
  const { cred, room } = model;
  return forgotten.value.has(cred.kind === "device" && cred.machineId ? cred.machineId : `share:${room}`);
}

/** How this tab lost access to a room it no longer has a key for: a revoked share or pairing, or neither. */
export function lostAccess(room: string): "share" | "device" | null {
  if (forgotten.value.has(`share:${room}`)) return "share";
  return forgotten.value.has(`device:${room}`) ? "device" : null;
}

/** The session rooms the machine room named: listed sessions, and sessions this phone created. */
function sessionRooms(msgs: readonly StoredMsg[]): string[] {
  const rooms: string[] = [];
  for (const m of msgs) {
    const body = m.body as { sessions?: unknown; room?: unknown } | null;
    if (m.kind === "machine.session_created" && typeof body?.room === "string") rooms.push(body.room);
    if (m.kind === "machine.sessions" && Array.isArray(body?.sessions))
      for (const s of body.sessions as { room?: unknown }[])
        if (typeof s?.room === "string") rooms.push(s.room);
  }
  return rooms.filter((r) => r.startsWith("s-"));
}
