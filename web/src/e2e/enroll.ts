import { deviceWrapKey, generateDeviceKeys, pairProof } from "../../../shared/core/e2e/webcrypto.ts";
import { PublicKey } from "../../../shared/protocol/e2e.ts";
import { fromBase64url } from "../../../shared/webpush/base64url.ts";
import { me } from "../lib/api.ts";
import { dropRoom } from "../state/rooms.ts";
import { watchEnroll } from "./enroll-watch.ts";
import { saveDeviceKeys } from "./key-store.ts";

/** What a pairing link's fragment carries for end-to-end encryption (docs/protocol.md §12.4). */
export type PairSecrets = { machineKey: string; secret: Uint8Array<ArrayBuffer> };

/** The link's `m` and `p`, or null: a link without them cannot pair end to end. */
export function pairSecrets(m: string | null, p: string | null): PairSecrets | null {
  if (!m || !p || !PublicKey.safeParse(m).success) return null;
  const secret = fromBase64url(p);
  return secret?.length === 32 ? { machineKey: m, secret } : null;
}

export type Enrolled = { ok: true } | { ok: false; message: string };

/**
 * After the code was redeemed: this phone's own ECDH key pair (the private half never leaves the
 * browser), the key its grants will be wrapped under, and `keys.enroll` with the proof that it
 * holds the link's pairing secret, kept until the bridge answers with a grant (enroll-watch.ts
 * sends it). Kept before anything is sent, so the grants that answer it find the key that opens them.
 */
export async function enrollDevice(
  machineId: string,
  token: string,
  code: string,
  link: PairSecrets,
  relay: string | null = null,
): Promise<Enrolled> {
  const who = await me(token, relay);
  if (!who.ok) return { ok: false, message: `the relay did not say who this phone is (${who.message})` };
  const tokenId = who.data.id;
  const to = `d:${tokenId}`;
  const pair = await generateDeviceKeys();
  const wrapKey = await deviceWrapKey(pair.privateKey, link.machineKey, to);
  const proof = await pairProof(link.secret, { code, tokenId, key: pair.publicKey });
  link.secret.fill(0);
  await saveDeviceKeys(machineId, {
    to,
    wrapKey,
    tokenId,
    machineKey: link.machineKey,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
  });
  // Pairing again: a room still open from before reads grants as the old pairing's recipient.
  dropRoom(`m-${machineId}`);
  await watchEnroll(machineId, { code, tokenId, key: pair.publicKey, proof });
  return { ok: true };
}
