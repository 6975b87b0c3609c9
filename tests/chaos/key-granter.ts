import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  deviceWrapKeySync,
  generateMachineKeys,
  pairProofValid,
  wrapRoomKeySync,
} from "../../bridge/e2e/node-seal.ts";
import { KeysEnroll, type KeysGrant } from "../../shared/protocol/e2e.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { WireClient } from "../support/wire-client.ts";

export type KeyGranterOptions = {
  /** The relay itself (not a proxy): the keys are handed out before the faults start. */
  relayUrl: string;
  wsUrl: string;
  bridgeToken: string;
  machineId: string;
  /** The session room the battery's bridge seals with `roomKey` (generation 1). */
  room: string;
  roomKey: string;
};

const WAIT_MS = 60_000;

/**
 * The key side of the battery's bridge for its browser phone (docs/protocol.md §12.4): the
 * transport child seals with the run's room key and keeps no keyring, so the runner makes the
 * pairing link (`#c=&m=&p=`), holds the machine room open while the phone enrolls, checks the
 * enroll's proof and grants the phone the session room's key (and a machine room key, which
 * ends the phone's enroll). The grants are stored before the faults start; the checker counts
 * them as key traffic, not as workload sends.
 */
export class KeyGranter {
  readonly #o: KeyGranterOptions;
  readonly #machine = generateMachineKeys();
  readonly #secret = randomBytes(32);
  readonly #machineRoomKey = randomBytes(32);
  #code = "";
  #client: WireClient | null = null;
  #enrolls: StoredMsg[] = [];
  /** The mids of the grants this granter stored. */
  readonly grantMids: string[] = [];

  constructor(o: KeyGranterOptions) {
    this.#o = o;
  }

  get machineRoom(): string {
    return `m-${this.#o.machineId}`;
  }

  /** Opens the machine room as the bridge and returns the whole pairing link. */
  async link(): Promise<string> {
    const o = this.#o;
    const res = await fetch(`${o.relayUrl}/api/pairings`, {
      method: "POST",
      headers: { authorization: `Bearer ${o.bridgeToken}`, "content-type": "application/json" },
      body: JSON.stringify({ label: "chaos phone" }),
    });
    if (res.status !== 201) throw new Error(`pairing: ${res.status} ${(await res.text()).slice(0, 200)}`);
    const { url } = z.object({ url: z.string() }).parse(await res.json());
    this.#code = new URLSearchParams(new URL(url).hash.slice(1)).get("c") ?? "";
    if (!this.#code) throw new Error("the relay's pairing link has no code");
    this.#client = await WireClient.open(o.wsUrl, this.machineRoom, o.bridgeToken, {
      onMsg: (m) => {
        if (m.kind === "keys.enroll") this.#enrolls.push(m);
      },
    });
    await this.#client.hello({ cid: `kg${randomBytes(8).toString("hex")}`, epoch: 1, since: 0 });
    const m = this.#machine.publicKey;
    return `${url}&m=${m}&p=${this.#secret.toString("base64url")}`;
  }

  /** Waits for the phone's enroll, checks its proof, grants both rooms and leaves the machine room. */
  async grant(): Promise<void> {
    const client = this.#client;
    if (!client) throw new Error("grant() before link()");
    const enroll = await this.#verifiedEnroll();
    const to = `d:${enroll.tokenId}`;
    const wrapKey = deviceWrapKeySync(this.#machine, enroll.key, to);
    const grantFor = (room: string, raw: Buffer): KeysGrant => ({
      room,
      keys: [wrapRoomKeySync(wrapKey, raw, { room, k: 1, to })],
    });
    const session = await WireClient.open(this.#o.wsUrl, this.#o.room, this.#o.bridgeToken);
    try {
      await session.hello({ cid: `kg${randomBytes(8).toString("hex")}`, epoch: 1, since: null, tail: 0 });
      await this.#store(session, grantFor(this.#o.room, Buffer.from(this.#o.roomKey, "base64url")));
    } finally {
      await session.close().catch(() => undefined);
    }
    await this.#store(client, grantFor(this.machineRoom, this.#machineRoomKey));
  }

  async close(): Promise<void> {
    await this.#client?.close().catch(() => undefined);
    this.#client = null;
  }

  async #verifiedEnroll(): Promise<KeysEnroll> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const m of this.#enrolls.splice(0)) {
        const e = KeysEnroll.safeParse(m.body);
        if (!e.success || e.data.code !== this.#code) continue;
        if (pairProofValid(this.#secret, e.data, e.data.proof)) return e.data;
        throw new Error(`the browser phone's enroll (seq ${m.seq}) has a proof that does not verify`);
      }
      if (Date.now() > deadline) throw new Error("the browser phone never sent keys.enroll");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async #store(client: WireClient, body: KeysGrant): Promise<void> {
    const mid = `m_${randomBytes(12).toString("base64url")}`;
    const sent = await client.send([{ mid, kind: "keys.grant", body }]);
    if (sent.status !== "acked" || sent.refused.length > 0)
      throw new Error(`keys.grant in ${body.room}: ${sent.status === "acked" ? "refused" : sent.status}`);
    this.grantMids.push(mid);
  }
}
