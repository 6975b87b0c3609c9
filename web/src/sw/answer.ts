import { SyncDriver } from "../../../shared/core/client/sync-driver.ts";
import { outboxEntry } from "../../../shared/core/client/sync-engine.ts";
import type { Decision } from "../../../shared/protocol/permission.ts";
import { toBase64url } from "../../../shared/webpush/base64url.ts";
import { sealStored } from "../e2e/stored-seal.ts";
import { credentialFor, loadCredentials } from "../lib/credentials.ts";
import { db, req } from "../lib/idb.ts";
import { browserClock, browserTransport } from "../net/browser-transport.ts";
import { IdbRoomStore, nextOrder, roomsWithOutbox } from "../net/idb-room-store.ts";

/**
 * Answers a permission prompt from its notification (docs/protocol.md §11.5) through the app's own
 * path: the `permission.response` is queued in the room's IndexedDB outbox, then sent by the
 * shared sync driver, which resends it with the same mid until the relay acknowledges it. What
 * does not go out now (no network) goes at the next Background Sync or the next open of the app.
 */

/** Background Sync's tag for "the outbox has something to send". */
export const OUTBOX_SYNC = "tether-outbox";
/** How long one delivery attempt keeps the worker alive; the browser allows a few minutes. */
const DELIVER_MS = 60_000;

export type Answered = "sent" | "queued" | "refused" | "no_credential" | "no_key";

export async function answerPrompt(room: string, requestId: string, decision: Decision): Promise<Answered> {
  await loadCredentials();
  const cred = await credentialFor(room);
  if (!cred) return "no_credential";
  // One mid per prompt: a second tap, or Deny after Allow, is the same message and is stored once.
  const mid = await answerMid(requestId);
  const store = new IdbRoomStore(room);
  if (!(await queued(mid))) {
    // Sealed like everything the phone sends (docs/protocol.md §12.3); without a key the app answers.
    const body = await sealStored({ room, kind: "permission.response", mid }, { requestId, decision });
    if (!body) return "no_key";
    const bodyJson = JSON.stringify(body);
    await store.enqueue({
      mid,
      room,
      kind: "permission.response",
      bodyJson,
      order: nextOrder(),
      at: Date.now(),
    });
  }
  return deliver(room, cred.token, `sw${cred.credId}`, mid, cred.relay);
}

/** Background Sync: every room with queued messages gets a delivery attempt. */
export async function flushQueued(): Promise<void> {
  await loadCredentials();
  for (const room of await roomsWithOutbox()) {
    const cred = await credentialFor(room);
    if (cred) await deliver(room, cred.token, `sw${cred.credId}`, null, cred.relay);
  }
}

/**
 * Sends the room's outbox (not only `mid`: it is the room's queue, in order) until `mid` — or,
 * without one, everything — is acknowledged, refused for good, or the time is up.
 */
function deliver(
  room: string,
  token: string,
  cid: string,
  mid: string | null,
  relay: string | null,
): Promise<Answered> {
  const store = new IdbRoomStore(room);
  return new Promise((resolve) => {
    let done = false;
    let driver: SyncDriver<true> | null = null;
    const finish = (a: Answered) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      driver?.close();
      resolve(a);
    };
    const drained = () => (driver?.outboxSize() ?? 1) === 0;
    const timer = setTimeout(() => finish("queued"), DELIVER_MS);
    driver = new SyncDriver({
      engine: { cid, tail: 0, pingEveryMs: 25_000, pongTimeoutMs: 10_000 },
      transport: browserTransport(room, token, relay),
      store: {
        async: true,
        // Send-only: the worker keeps no cursor and no mirror (the app's page owns both).
        load: async () => ({
          cursor: null,
          outbox: (await store.load(0)).outbox.map((r) => outboxEntry(r.mid, r.kind, r.bodyJson)),
        }),
        enqueue: async () => true,
        remove: (mids) => store.remove(mids),
        persist: async () => {},
        reset: async () => {},
      },
      clock: browserClock,
      applyBatch: "frame",
      on: (e) => {
        const ours = mid === null ? drained() : e.type === "acked" && e.acks.some((x) => x.mid === mid);
        // Without a mid: done once the outbox is empty, also when another page sent it first.
        if ((e.type === "acked" || (e.type === "state" && e.state.kind === "live")) && ours) finish("sent");
        if (e.type === "rejected" && e.mid === mid) finish("refused");
        if (e.type === "state" && e.state.kind === "fatal") finish("queued");
      },
    });
    driver.start();
  });
}

async function queued(mid: string): Promise<boolean> {
  const d = await db();
  return (await req(d.transaction("outbox", "readonly").objectStore("outbox").get(mid))) !== undefined;
}

async function answerMid(requestId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`answer ${requestId}`));
  return `na${toBase64url(new Uint8Array(digest)).slice(0, 30)}`;
}
