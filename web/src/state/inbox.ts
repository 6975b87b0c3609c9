import { computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import type { TolerantPermissionRequest } from "../../../shared/protocol/index.ts";
import { rememberRoomMachine } from "../lib/credentials.ts";
import { devices } from "../lib/devices.ts";
import { readBody } from "./bodies.ts";
import { foldMachine, type MachineView } from "./machine-fold.ts";
import type { RoomModel } from "./room-model.ts";
import { acquireRoom, releaseRoom } from "./rooms.ts";
import { foldStored, type StoredSession } from "./session-fold.ts";
import { overlay } from "./session-overlay.ts";

/**
 * One phone, many machines: every paired machine's room held open (its name, presence and
 * sessions), and the "needs you" inbox: every prompt, question and plan waiting in any session of
 * any machine, newest first. A session room is opened while its machine lists it as
 * `awaiting_permission` (docs/protocol.md §9.3); its open prompts come from its own log, as on the
 * session page, so answering here is the same `permission.response` as there.
 */

export type InboxItem = {
  key: string;
  machineId: string;
  room: string;
  title: string;
  req: TolerantPermissionRequest;
  /** When the relay stored the request. */
  at: number;
  model: RoomModel;
  refusal: string | undefined;
};

type Watched<T> = { info: T; model: RoomModel };

/** Rooms held open by wish: `want` opens the new ones and lets go of those no longer wanted. */
class HeldRooms<T> {
  readonly open = signal<ReadonlyMap<string, Watched<T>>>(new Map());
  #held = new Map<string, { info: T; model: RoomModel | null; live: boolean }>();
  readonly #essential: string;
  constructor(essential: string) {
    this.#essential = essential;
  }

  want(rooms: ReadonlyMap<string, T>, before?: (room: string, info: T) => Promise<void>): void {
    let changed = false;
    for (const [room, e] of this.#held) {
      if (rooms.has(room)) continue;
      e.live = false;
      this.#held.delete(room);
      if (e.model) releaseRoom(room);
      changed = true;
    }
    for (const [room, info] of rooms) {
      if (this.#held.has(room)) continue;
      const e = { info, model: null as RoomModel | null, live: true };
      this.#held.set(room, e);
      void this.#acquire(room, e, before);
    }
    if (changed) this.#publish();
  }

  async #acquire(
    room: string,
    e: { info: T; model: RoomModel | null; live: boolean },
    before?: (room: string, info: T) => Promise<void>,
  ): Promise<void> {
    await before?.(room, e.info);
    const r = await acquireRoom(room, this.#essential);
    if (!r.ok) return console.warn(`tether: no credential for ${room}: not watched`);
    if (!e.live) return releaseRoom(room);
    e.model = r.model;
    this.#publish();
  }

  #publish(): void {
    const next = new Map<string, Watched<T>>();
    for (const [room, e] of this.#held) if (e.model) next.set(room, { info: e.info, model: e.model });
    this.open.value = next;
  }
}

const machines = new HeldRooms<string>("machine.info");
const sessions = new HeldRooms<{ machineId: string; title: string }>("session.info");
const machineViews = new WeakMap<RoomModel, ReadonlySignal<MachineView>>();
const storedViews = new WeakMap<RoomModel, ReadonlySignal<StoredSession>>();
let started = false;

/** Opens every paired machine's room and follows its waiting sessions; idempotent. */
export function watchMachines(): void {
  if (started) return;
  started = true;
  effect(() => machines.want(new Map(devices.value.map((d) => [`m-${d.machineId}`, d.machineId]))));
  effect(() => {
    const want = new Map<string, { machineId: string; title: string }>();
    for (const { info: machineId, model } of machines.open.value.values())
      for (const s of machineView(model).value.sessions)
        if (s.state === "awaiting_permission") want.set(s.room, { machineId, title: s.title });
    // A reload of the session's page must find its machine's token too.
    sessions.want(want, (room, i) => rememberRoomMachine(room, i.machineId));
  });
  // The installed app's icon shows the count too, where the browser offers it.
  effect(() => {
    const n = inbox.value.length;
    if (!("setAppBadge" in navigator)) return;
    const done = n > 0 ? navigator.setAppBadge(n) : navigator.clearAppBadge();
    done.catch((err: unknown) => console.warn("tether: the app badge could not be set", err));
  });
}

/** The open machine room of `machineId` (null while it opens, or without a credential). */
export function machineModel(machineId: string): RoomModel | null {
  return machines.open.value.get(`m-${machineId}`)?.model ?? null;
}

/** A machine room's log folded (once per change, shared by every reader). */
export function machineView(model: RoomModel): ReadonlySignal<MachineView> {
  let view = machineViews.get(model);
  if (!view) {
    view = computed(() => foldMachine(model.msgs.value));
    machineViews.set(model, view);
  }
  return view;
}

/** What the person calls the machine: their own name for it, else the machine's, else its id. */
export function machineName(machineId: string, view: MachineView | null): string {
  const local = devices.value.find((d) => d.machineId === machineId)?.name;
  return local ?? view?.info?.name ?? machineId;
}

/** Every prompt waiting for an answer, newest first. */
export const inbox = computed<InboxItem[]>(() => {
  const items: InboxItem[] = [];
  for (const [room, { info, model }] of sessions.open.value) {
    const view = overlay(storedView(model).value, model.local.value);
    const at = new Map<string, number>();
    for (const m of model.msgs.value)
      if (m.kind === "permission.request" && m.role === "bridge") {
        const b = readBody("permission.request", m.body);
        if (b) at.set(b.requestId, m.ts);
      }
    for (const req of view.pending)
      items.push({
        key: `${room}:${req.requestId}`,
        machineId: info.machineId,
        room,
        title: view.info?.title ?? info.title,
        req,
        at: at.get(req.requestId) ?? 0,
        model,
        refusal: view.refusals.get(req.requestId),
      });
  }
  return items.sort((a, b) => b.at - a.at);
});

function storedView(model: RoomModel): ReadonlySignal<StoredSession> {
  let view = storedViews.get(model);
  if (!view) {
    view = computed(() => foldStored(model.msgs.value));
    storedViews.set(model, view);
  }
  return view;
}
