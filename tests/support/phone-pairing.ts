import { randomBytes } from "node:crypto";
import type { Bearer } from "../../bridge/control/relay-api.ts";
import { createPairingLink } from "../../bridge/e2e/pairing-link.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { type DeviceKeys, PhoneKeys, pairingFragment } from "./phone-keys.ts";
import { WireClient } from "./wire-client.ts";

export type PairedDevice = {
  token: string;
  machineId: string;
  device: DeviceKeys;
  pairing: { code: string; p: string };
};

/** A pairing link made the way `tether pair` makes it (the secret kept in `stateDir`), redeemed. */
export async function pairDevice(bearer: Bearer, stateDir: string): Promise<PairedDevice> {
  const link = await createPairingLink(bearer, stateDir, "test phone");
  if (!link.ok) throw new Error(`pairing link: ${link.code} ${link.message}`);
  return pairByLink(link.value.url);
}

/** What a phone does with a pairing link (docs/protocol.md §3.2, §12.4): redeem the code, make its key. */
export async function pairByLink(url: string): Promise<PairedDevice> {
  const { origin, code, m, p } = pairingFragment(url);
  const res = await fetch(`${origin}/api/pair`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, label: "test phone" }),
  });
  const paired = (await res.json()) as { token?: string; machineId?: string };
  if (res.status !== 201 || !paired.token || !paired.machineId)
    throw new Error(`POST /api/pair answered ${res.status}`);
  const me = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${paired.token}` } });
  const { id } = (await me.json()) as { id: string };
  return {
    token: paired.token,
    machineId: paired.machineId,
    device: PhoneKeys.device(id, m),
    pairing: { code, p },
  };
}

export type EnrollOptions = {
  wsUrl: string;
  machineRoom: string;
  token: string;
  device: DeviceKeys;
  code: string;
  p: string;
  diagnostics?: () => string;
};

/**
 * Sends `keys.enroll` in the machine room once the bridge reads it (its machine.info is stored:
 * a fresh bridge reads that room from its hello on) and waits for the machine room's grant.
 */
export async function enrollDevice(o: EnrollOptions): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const msgs: StoredMsg[] = [];
    const client = await WireClient.open(o.wsUrl, o.machineRoom, o.token, {
      onMsg: (m) => msgs.push(m),
    }).catch(() => null);
    try {
      if (
        client &&
        (await client.hello({ cid: `en${randomBytes(8).toString("base64url")}`, since: 0 }).catch(() => null))
      ) {
        await waitFor(
          () => msgs.some((m) => m.kind === "machine.info"),
          deadline,
          "the bridge's machine.info",
        );
        const mid = `m_${randomBytes(12).toString("base64url")}`;
        const body = o.device.enroll(o.code, o.p);
        const sent = await client.send([{ mid, kind: "keys.enroll", body }]);
        if (sent.status !== "acked") throw new Error(`keys.enroll: ${JSON.stringify(sent)}`);
        await waitFor(
          () => {
            for (const m of msgs) if (m.kind === "keys.grant") o.device.takeGrant(o.machineRoom, m.body);
            return o.device.newest(o.machineRoom) !== null;
          },
          deadline,
          "the machine room's key",
        ).catch((err: Error) => {
          const notices = msgs.filter((m) => m.kind === "machine.notice").length;
          throw new Error(`${err.message} (${notices} notices)\n${o.diagnostics?.() ?? ""}`);
        });
        return;
      }
    } finally {
      await client?.close().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`could not open ${o.machineRoom} to enroll`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor(f: () => boolean, deadline: number, what: string): Promise<void> {
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
