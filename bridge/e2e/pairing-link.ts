import { randomBytes } from "node:crypto";
import type { CreatePairingRes } from "../../shared/protocol/index.ts";
import { type Bearer, type RelayApiResult, relayApi } from "../control/relay-api.ts";
import { Keyring } from "./keyring.ts";

/**
 * A pairing link with the end-to-end part of its fragment (docs/protocol.md §12.4):
 * `<origin>/pair#c=<code>&m=<machine public key>&p=<pairing secret>`. The secret is kept in the
 * keyring until the code is used or expires; browsers never send a fragment, so the relay sees
 * neither `m` nor `p`.
 */
export async function createPairingLink(
  bearer: Bearer,
  stateDir: string,
  label?: string,
): Promise<RelayApiResult<CreatePairingRes>> {
  const pairing = await relayApi.createPairing(bearer, label);
  if (!pairing.ok) return pairing;
  const { code, url, expiresAt } = pairing.value;
  const secret = randomBytes(32);
  const keyring = Keyring.inStateDir(stateDir);
  try {
    keyring.addPairing(code, secret, expiresAt);
    const m = keyring.machine().publicKey;
    return { ok: true, value: { code, expiresAt, url: `${url}&m=${m}&p=${secret.toString("base64url")}` } };
  } finally {
    keyring.close();
  }
}
