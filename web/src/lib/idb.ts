/** A thin promise layer over IndexedDB: one database, four stores. */

export const DB_NAME = "tether";
const DB_VERSION = 1;

export type StoreName = "kv" | "outbox" | "log" | "cursors";

let opening: Promise<IDBDatabase> | null = null;

export function db(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const d = req.result;
      d.createObjectStore("kv");
      // Queued messages: keyed by mid (the idempotency key), ordered by `order` within a room.
      d.createObjectStore("outbox", { keyPath: "mid" }).createIndex("room", "room");
      // The local mirror of each room's log, so a reload shows the transcript before the network.
      d.createObjectStore("log", { keyPath: ["room", "seq"] });
      d.createObjectStore("cursors");
    };
    req.onsuccess = () => {
      // Another tab upgrading the schema must not be blocked by this one.
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => reject(req.error ?? new Error("indexedDB.open failed"));
    req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
  });
  return opening;
}

/**
 * Runs `fn` in one transaction and resolves when it has committed (not merely when the requests
 * succeeded): only then is a write durable enough to count, e.g. for the outbox.
 */
export async function tx<T>(
  stores: StoreName | StoreName[],
  mode: IDBTransactionMode,
  fn: (t: IDBTransaction) => T,
  durability: IDBTransactionDurability = "strict",
): Promise<T> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(stores, mode, { durability });
    let result: T;
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error ?? new Error("IndexedDB transaction failed"));
    t.onabort = () => reject(t.error ?? new Error("IndexedDB transaction aborted"));
    result = fn(t);
  });
}

export function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

export async function kvGet(key: string): Promise<unknown> {
  const d = await db();
  return req(d.transaction("kv", "readonly").objectStore("kv").get(key));
}

export function kvSet(key: string, value: unknown): Promise<void> {
  return tx("kv", "readwrite", (t) => void t.objectStore("kv").put(value, key));
}

export function kvDelete(key: string): Promise<void> {
  return tx("kv", "readwrite", (t) => void t.objectStore("kv").delete(key));
}
