import { randomBytes } from "node:crypto";
import type { SignalIn, StoredMsg } from "../../shared/protocol/index.ts";
import { Phone, until } from "./bridge-world.ts";
import type { DeviceKeys } from "./phone-keys.ts";
import { enrollDevice, type PairedDevice } from "./phone-pairing.ts";
import { WireClient } from "./wire-client.ts";

export { pairByLink } from "./phone-pairing.ts";

const enrolled = new WeakMap<DeviceKeys, Promise<void>>();

/**
 * A phone in `room` of the relay at `origin`, retrying while the bridge has not opened it yet
 * (4004). A paired device enrolls its key first (once) and reads and writes end to end; a bare
 * token reads the bodies as the relay stores them.
 */
export async function openPhone(origin: string, room: string, who: PairedDevice | string): Promise<Phone> {
  const wsUrl = origin.replace(/^http/, "ws");
  const token = typeof who === "string" ? who : who.token;
  const keys = typeof who === "string" ? null : who.device;
  if (typeof who !== "string") {
    let done = enrolled.get(who.device);
    if (!done) {
      done = enrollDevice({
        wsUrl,
        machineRoom: `m-${who.machineId}`,
        token,
        device: who.device,
        ...who.pairing,
      });
      enrolled.set(who.device, done);
    }
    await done;
  }
  return until(
    async () => {
      const msgs: StoredMsg[] = [];
      const signals: SignalIn[] = [];
      const cid = `ph${randomBytes(8).toString("base64url")}`;
      try {
        const client = await WireClient.open(wsUrl, room, token, {
          onMsg: (m) => msgs.push(m),
          onSignal: (s) => signals.push(s),
        });
        await client.hello({ cid, since: 0 });
        return new Phone(client, msgs, cid, room, signals, keys);
      } catch {
        // Refused or closed before welcome: the bridge has not opened the room yet; poll again.
        return null;
      }
    },
    30_000,
    `a phone in ${room}`,
  );
}

/** Pairs a phone with the one-time code of a pairing link (docs/protocol.md §3.2 POST /api/pair). */
export async function pair(
  origin: string,
  code: string,
): Promise<{ status: number; token: string; machineId: string }> {
  const res = await fetch(`${origin}/api/pair`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, label: "test phone" }),
  });
  const body = (await res.json()) as { token?: string; machineId?: string };
  return { status: res.status, token: body.token ?? "", machineId: body.machineId ?? "" };
}
