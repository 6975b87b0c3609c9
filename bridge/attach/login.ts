import { hostname } from "node:os";
import { join } from "node:path";
import { PublicKey } from "../../shared/protocol/e2e.ts";
import { relayApi } from "../control/relay-api.ts";
import { generateMachineKeys } from "../e2e/node-seal.ts";
import { StateDb } from "../link/state-db.ts";
import { DeviceKeys } from "./device-keys.ts";
import { type Login, saveLogin } from "./login-store.ts";
import { RoomClient } from "./room-client.ts";

/** The outbox of this terminal's rooms: what was typed survives the process (sent at the next start). */
export const ATTACH_DB = "attach.db";

export class LoginError extends Error {}

/** A pairing link's parts (docs/protocol.md §12.4): `<origin>/pair#c=<code>&m=<machine key>&p=<secret>`. */
export type PairingLink = { relay: string; code: string; machineKey: string; secret: Buffer };

export function parsePairingLink(text: string): PairingLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new LoginError('that is not a link; pass the whole pairing link that "tether pair" prints');
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new LoginError("a pairing link is an http(s) link");
  const f = new URLSearchParams(url.hash.slice(1));
  const code = f.get("c");
  const m = f.get("m");
  const secret = Buffer.from(f.get("p") ?? "", "base64url");
  if (!code || !m || !PublicKey.safeParse(m).success || secret.length !== 32)
    throw new LoginError(
      'the link lacks its pairing part (#c=…&m=…&p=…); copy the whole link "tether pair" prints',
    );
  return { relay: url.origin, code, machineKey: m, secret };
}

export type LoginOptions = {
  link: PairingLink;
  stateDir: string;
  label?: string;
  /** How long to wait for the bridge's key grant before leaving it to `tether attach`. */
  waitMs: number;
  say(text: string): void;
};

export type LoginResult = { login: Login; granted: boolean };

/**
 * What a phone does with a pairing link, from a terminal: redeems the one-time code for a device
 * token, makes this terminal's own key pair, saves both (0600), then sends `keys.enroll` to the
 * machine room and waits for the bridge's grant. The pairing secret is used for the proof only.
 */
export async function login(o: LoginOptions): Promise<LoginResult> {
  const { link } = o;
  const label = o.label ?? `tether attach on ${hostname()}`.slice(0, 200);
  const paired = await relayApi.pair(link.relay, { code: link.code, label });
  if (!paired.ok)
    throw new LoginError(`the relay refused the pairing code: ${paired.message} (${paired.code})`);
  const { token, machineId } = paired.value;
  const me = await relayApi.me({ relayUrl: link.relay, token });
  if (!me.ok) throw new LoginError(`the relay did not say who this terminal is: ${me.message}`);
  const own = generateMachineKeys();
  const keys = new DeviceKeys(me.value.id, link.machineKey, own);
  const saved: Login = {
    relay: link.relay,
    machineId,
    token,
    tokenId: me.value.id,
    machineKey: link.machineKey,
    privateJwk: own.privateJwk,
    label,
    at: Date.now(),
  };
  // Saved before the enroll goes out, so the grants that answer it find the key that opens them.
  saveLogin(o.stateDir, saved);
  const enroll = keys.enroll(link.code, me.value.id, link.secret);
  link.secret.fill(0);
  const db = new StateDb(join(o.stateDir, ATTACH_DB));
  let granted = false;
  try {
    o.say("Paired. Waiting for the bridge to grant this terminal the session keys…");
    const room = new RoomClient({
      relay: link.relay,
      token,
      room: `m-${machineId}`,
      db,
      keys,
      on: {},
    });
    room.sendClear("keys.enroll", enroll, `enroll-${me.value.id}`);
    granted = await room.until(() => room.canSeal() && room.outboxSize() === 0, o.waitMs);
    room.close();
  } finally {
    db.close();
  }
  return { login: saved, granted };
}
