import { randomSecret, shareWrapKey } from "../../../shared/core/e2e/webcrypto.ts";
import { fromBase64url, toBase64url } from "../../../shared/webpush/base64url.ts";
import { acquireRoom, releaseRoom } from "../state/rooms.ts";
import { saveShareKey } from "./key-store.ts";

/**
 * Share links and end-to-end encryption (docs/protocol.md §12.5): the phone that makes a link
 * draws its secret and hands it to the bridge (sealed, in the machine room), which grants the room's
 * keys to the link; the link carries the secret in its fragment (`k`, with the share's id `i`).
 */

const SHARE_ID = /^tk_[A-Za-z0-9_-]{12}$/;

/** Opening a share link: keeps the key that unwraps its grants. False: the link carries none. */
export async function keepShareKey(room: string, k: string | null, i: string | null): Promise<boolean> {
  const secret = k ? fromBase64url(k) : null;
  if (secret?.length !== 32 || !i || !SHARE_ID.test(i)) return false;
  const to = `s:${i}`;
  await saveShareKey(room, { to, wrapKey: await shareWrapKey(secret, to) });
  secret.fill(0);
  return true;
}

export type Granted = { ok: true; url: string } | { ok: false; message: string };

/**
 * After `POST /api/shares` answered: the secret goes to the bridge as `keys.share` (sealed) in
 * the machine room, and the link given out carries it. Not given out unless the message is queued:
 * a link whose secret the bridge never learns could never open anything.
 */
export async function grantShare(
  machineId: string,
  share: { id: string; url: string; room: string },
): Promise<Granted> {
  const secret = toBase64url(randomSecret());
  const machineRoom = `m-${machineId}`;
  const held = await acquireRoom(machineRoom, "machine.info");
  if (!held.ok) return { ok: false, message: "this phone holds no token for the machine" };
  try {
    const r = await held.model.send("keys.share", { shareId: share.id, room: share.room, secret });
    if (!r.ok) return { ok: false, message: r.message };
  } finally {
    releaseRoom(machineRoom);
  }
  return { ok: true, url: `${share.url}&k=${secret}&i=${share.id}` };
}
