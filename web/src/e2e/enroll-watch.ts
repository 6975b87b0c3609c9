import { effect } from "@preact/signals";
import type { KeysEnroll } from "../../../shared/protocol/e2e.ts";
import { devices } from "../lib/devices.ts";
import { kvDelete, kvGet, kvSet } from "../lib/idb.ts";
import { acquireRoom, releaseRoom } from "../state/rooms.ts";
import { ENROLL } from "./key-store.ts";

/**
 * A phone's `keys.enroll` (docs/protocol.md §12.4) goes out only while the bridge is in the machine
 * room: a bridge that starts without a cursor for the room reads it from its hello on (§9.2), so an
 * enroll stored just before would never reach it. It is sent again when no grant answers it while
 * the bridge is there (at most a few times: a second one after a success is only refused), and
 * kept in IndexedDB until a grant for this phone is read, so a reload carries on.
 */

const RETRY_MS = 15_000;
const TRIES = 3;
const watching = new Set<string>();

/** Keeps the enroll and sends it when the bridge is there; resolves once it is kept. */
export async function watchEnroll(machineId: string, body: KeysEnroll): Promise<void> {
  await kvSet(ENROLL + machineId, body);
  watch(machineId, body);
}

/** At start-up: enrolls that no grant has answered yet carry on. */
export async function resumeEnrolls(): Promise<void> {
  for (const d of devices.value) {
    const body = await kvGet(ENROLL + d.machineId);
    if (body && typeof body === "object") watch(d.machineId, body as KeysEnroll);
  }
}

function watch(machineId: string, body: KeysEnroll): void {
  if (watching.has(machineId)) return;
  watching.add(machineId);
  const room = `m-${machineId}`;
  void acquireRoom(room, "machine.info").then((held) => {
    if (!held.ok) return watching.delete(machineId);
    const model = held.model;
    let sentAt = 0;
    let tries = 0;
    let stop = (): void => {};
    let timer = 0;
    let done = false;
    const finish = (answered: boolean) => {
      if (done) return;
      done = true;
      stop();
      clearInterval(timer);
      releaseRoom(room);
      watching.delete(machineId);
      if (answered) void kvDelete(ENROLL + machineId);
      else console.warn(`tether: the bridge has not answered this phone's enroll for ${machineId}`);
    };
    const check = () => {
      if (done) return;
      if (model.granted.value) return finish(true);
      const bridgeHere = model.peers.value?.some((p) => p.role === "bridge") ?? false;
      if (!bridgeHere || model.conn.value.kind !== "live") return;
      if (sentAt !== 0 && Date.now() - sentAt < RETRY_MS) return;
      if (tries >= TRIES) return finish(false);
      sentAt = Date.now();
      tries++;
      void model.send("keys.enroll", body).then((r) => {
        if (!r.ok) console.warn(`tether: could not queue this phone's enroll: ${r.message}`);
      });
    };
    timer = window.setInterval(check, 2_000);
    stop = effect(() => {
      void model.granted.value;
      void model.peers.value;
      void model.conn.value;
      queueMicrotask(check);
    });
  });
}
