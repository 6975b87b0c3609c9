import { Close, UNSUPPORTED_VERSION } from "../../../shared/protocol/limits.ts";
import { type Credential, credentialFor } from "../lib/credentials.ts";
import { noteOutdated, noteReachable } from "../net/app-shell.ts";
import { roomsWithOutbox } from "../net/idb-room-store.ts";
import { onWake } from "../net/wake.ts";
import { RoomModel } from "./room-model.ts";

/** How long a room nobody looks at stays open (going back to it is then instant). */
const LINGER_MS = 20_000;
const SWEEP_MS = 5_000;

type Entry = { model: RoomModel; refs: number; idleSince: number | null; unwake: () => void };
const open = new Map<string, Entry>();
let sweeper: number | null = null;

export type Acquired = { ok: true; model: RoomModel } | { ok: false; reason: "no_credential" };

/**
 * Opens (or reuses) a room. Rooms are shared between pages and closed some time after the last
 * page lets go, but never while their outbox holds messages: those must reach the relay even
 * when the user has moved on.
 */
export async function acquireRoom(room: string, essential: string): Promise<Acquired> {
  const known = open.get(room);
  if (known) {
    known.refs++;
    known.idleSince = null;
    return { ok: true, model: known.model };
  }
  const cred = await credentialFor(room);
  if (!cred) return { ok: false, reason: "no_credential" };
  // Another page may have opened it while the credential was looked up.
  const raced = open.get(room);
  if (raced) {
    raced.refs++;
    raced.idleSince = null;
    return { ok: true, model: raced.model };
  }
  return { ok: true, model: openRoom(room, cred, essential, 1).model };
}

export function releaseRoom(room: string): void {
  const e = open.get(room);
  if (!e || e.refs === 0) return;
  e.refs--;
  if (e.refs === 0) e.idleSince = Date.now();
  sweeper ??= window.setInterval(sweep, SWEEP_MS);
}

/** At start-up: rooms with queued messages from an earlier page get a socket until they are sent. */
export async function flushOutboxes(): Promise<void> {
  for (const room of await roomsWithOutbox()) {
    if (open.has(room)) continue;
    const cred = await credentialFor(room);
    if (!cred) {
      console.warn(`tether: queued messages for ${room}, but no token for it on this device`);
      continue;
    }
    openRoom(room, cred, room.startsWith("m-") ? "machine.info" : "session.info", 0);
  }
  sweeper ??= window.setInterval(sweep, SWEEP_MS);
}

let revoked: ((model: RoomModel) => void) | null = null;

/** Who hears of a room whose credential the relay refused (close 4001): unauthorized, revoked or expired. */
export function onRevoked(listener: (model: RoomModel) => void): void {
  revoked = listener;
}

function openRoom(room: string, cred: Credential, essential: string, refs: number): Entry {
  const model = new RoomModel(room, cred, essential);
  const stopWatching = model.conn.subscribe((c) => {
    if (c.kind === "live") noteReachable();
    if (c.kind === "waiting" && c.code === Close.policy && c.reason === UNSUPPORTED_VERSION) noteOutdated();
    if (c.kind !== "fatal" || c.code !== 4001) return;
    queueMicrotask(() => stopWatching());
    revoked?.(model);
  });
  const wakeOff = onWake({ wake: () => model.socket.wake(), hide: () => model.socket.hide() });
  const unwake = () => {
    wakeOff();
    stopWatching();
  };
  const entry: Entry = { model, refs, idleSince: refs === 0 ? Date.now() : null, unwake };
  open.set(room, entry);
  return entry;
}

function sweep(): void {
  const now = Date.now();
  for (const [room, e] of open) {
    const fatal = e.model.conn.value.kind === "fatal";
    const drained = e.model.socket.outboxSize() === 0 || fatal;
    if (e.refs > 0 || e.idleSince === null || now - e.idleSince < LINGER_MS || !drained) continue;
    e.unwake();
    e.model.close();
    open.delete(room);
  }
  if (open.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/**
 * Forgets a room whose credential went away (revoked share, re-pairing). `revoked`: the relay
 * refused that credential, so a page still showing the room says so instead of "closed".
 */
export function dropRoom(room: string, revoked = false): void {
  const e = open.get(room);
  if (!e) return;
  e.unwake();
  if (revoked) e.model.closeRevoked();
  else e.model.close();
  open.delete(room);
}
