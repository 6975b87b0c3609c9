import type { z } from "zod";
import type { ClientStore } from "../../../shared/core/client/sync-driver.ts";
import { outboxEntry } from "../../../shared/core/client/sync-engine.ts";
import { StoredMsg } from "../../../shared/protocol/frames.ts";
import { wipeRoomKeys } from "../e2e/key-store.ts";
import { db, req, tx } from "../lib/idb.ts";
import { ATTACH_DRAFT_KEY } from "../lib/storage-keys.ts";
import type { RoomEvents } from "./conn-state.ts";
import { lean } from "./lean.ts";
import { QueuedRow } from "./queued-row.ts";

export type Loaded = { cursor: number | null; outbox: QueuedRow[]; msgs: StoredMsg[] };

/** How much of the local mirror a page shows at first; older messages load on scroll-back. */
export const LOAD_LIMIT = 1000;

let lastOrder = 0;
/** Strictly increasing across the tab's life (two sends in one millisecond keep their order). */
export function nextOrder(): number {
  lastOrder = Math.max(lastOrder + 1, Date.now() * 1000);
  return lastOrder;
}

/**
 * One room's durable state in IndexedDB: the outbox, the cursor, and a mirror of the messages the
 * cursor covers (so the transcript can be rebuilt after a reload without the network).
 */
export class IdbRoomStore {
  readonly room: string;
  constructor(room: string) {
    this.room = room;
  }

  async load(limit = LOAD_LIMIT): Promise<Loaded> {
    const d = await db();
    const t = d.transaction(["cursors", "outbox", "log"], "readonly");
    const [cursor, rows, msgs] = await Promise.all([
      req(t.objectStore("cursors").get(this.room)),
      req(t.objectStore("outbox").index("room").getAll(this.room)),
      this.#newest(t.objectStore("log"), Number.POSITIVE_INFINITY, limit),
    ]);
    const outbox = rows.flatMap((r) => valid(QueuedRow, r)).sort((a, b) => a.order - b.order);
    return { cursor: typeof cursor === "number" ? cursor : null, outbox, msgs };
  }

  /** Resolves once the transaction is durable: only then does a message count as queued. */
  enqueue(row: QueuedRow): Promise<void> {
    return tx("outbox", "readwrite", (t) => void t.objectStore("outbox").put(row));
  }

  remove(mids: readonly string[]): Promise<void> {
    return tx("outbox", "readwrite", (t) => {
      const store = t.objectStore("outbox");
      for (const mid of mids) store.delete(mid);
    });
  }

  /** Applied messages and the cursor that covers them, in one transaction. */
  persist(msgs: readonly StoredMsg[], cursor: number | null): Promise<void> {
    return tx(
      ["log", "cursors"],
      "readwrite",
      (t) => {
        const log = t.objectStore("log");
        for (const m of msgs) log.put({ ...lean(m), room: this.room });
        if (cursor !== null) t.objectStore("cursors").put(cursor, this.room);
      },
      "relaxed",
    );
  }

  /** The relay said `gone`: the mirror no longer matches the room. */
  reset(cursor: number): Promise<void> {
    return tx(["log", "cursors"], "readwrite", (t) => {
      t.objectStore("log").delete(this.#range(Number.POSITIVE_INFINITY));
      t.objectStore("cursors").put(cursor, this.room);
    });
  }

  /** Up to `limit` mirrored messages below `before`, ascending. */
  async older(before: number, limit: number): Promise<StoredMsg[]> {
    const d = await db();
    return this.#newest(d.transaction("log", "readonly").objectStore("log"), before, limit);
  }

  #newest(store: IDBObjectStore, before: number, limit: number): Promise<StoredMsg[]> {
    return new Promise((resolve, reject) => {
      const out: StoredMsg[] = [];
      const r = store.openCursor(this.#range(before), "prev");
      r.onerror = () => reject(r.error ?? new Error("IndexedDB cursor failed"));
      r.onsuccess = () => {
        const c = r.result;
        if (c && out.length < limit) {
          out.push(...valid(StoredMsg, c.value));
          c.continue();
        } else resolve(out.reverse());
      };
    });
  }

  #range(before: number): IDBKeyRange {
    return IDBKeyRange.bound([this.room, Number.NEGATIVE_INFINITY], [this.room, before], false, true);
  }
}

/**
 * A room's store as the sync driver's port. Loading also shows the mirror (`events.loaded`), so the
 * transcript appears before the network. An enqueue answers once its transaction has completed
 * ("strict"): only then is the message queued. The mirror and cursor are written "relaxed", as a
 * lost write only replays messages again.
 */
export function clientStore(store: IdbRoomStore, events: RoomEvents): ClientStore<true> {
  return {
    async: true,
    load: async () => {
      const loaded = await store.load();
      events.loaded(loaded.msgs, loaded.outbox);
      return {
        cursor: loaded.cursor,
        outbox: loaded.outbox.map((r) => outboxEntry(r.mid, r.kind, r.bodyJson)),
      };
    },
    enqueue: async (e) => {
      const { mid, kind, bodyJson } = e;
      await store.enqueue({ mid, room: store.room, kind, bodyJson, order: nextOrder(), at: Date.now() });
      return true;
    },
    remove: (mids) => store.remove(mids),
    persist: (msgs, cursor) => store.persist(msgs, cursor),
    reset: (cursor) => store.reset(cursor),
  };
}

/**
 * Deletes everything kept of `rooms` (mirrored messages, cursors, queued messages, picked files, room
 * keys) in one
 * transaction; resolves once it is durable. A write queued before it commits first (IndexedDB
 * runs overlapping read-write transactions in order), so nothing of these rooms is left behind.
 */
export function wipeRooms(rooms: readonly string[]): Promise<void> {
  return tx(["log", "cursors", "outbox", "kv"], "readwrite", (t) => {
    const outbox = t.objectStore("outbox");
    for (const room of rooms) {
      t.objectStore("kv").delete(ATTACH_DRAFT_KEY + room);
      wipeRoomKeys(t.objectStore("kv"), room);
      t.objectStore("log").delete(
        IDBKeyRange.bound([room, Number.NEGATIVE_INFINITY], [room, Number.POSITIVE_INFINITY]),
      );
      t.objectStore("cursors").delete(room);
      const keys = outbox.index("room").getAllKeys(room);
      keys.onsuccess = () => {
        for (const key of keys.result) outbox.delete(key);
      };
    }
  });
}

/** Rooms that still have queued messages (sent from a page that was closed before they went out). */
export async function roomsWithOutbox(): Promise<string[]> {
  const d = await db();
  const rows = await req(d.transaction("outbox", "readonly").objectStore("outbox").getAll());
  return [...new Set(rows.flatMap((r) => valid(QueuedRow, r)).map((r) => r.room))];
}

function valid<S extends z.ZodType>(schema: S, value: unknown): z.infer<S>[] {
  const r = schema.safeParse(value);
  if (r.success) return [r.data];
  console.warn("tether: skipped a stored row of an unexpected shape", r.error.issues[0]);
  return [];
}
