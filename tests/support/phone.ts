import { randomBytes } from "node:crypto";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { Phone, until } from "./bridge-world.ts";
import { WireClient } from "./wire-client.ts";

/** A phone in `room` of the relay at `origin`, retrying while the bridge has not opened it yet (4004). */
export async function openPhone(origin: string, room: string, token: string): Promise<Phone> {
  const wsUrl = origin.replace(/^http/, "ws");
  return until(
    async () => {
      const msgs: StoredMsg[] = [];
      const cid = `ph${randomBytes(8).toString("base64url")}`;
      try {
        const client = await WireClient.open(wsUrl, room, token, { onMsg: (m) => msgs.push(m) });
        await client.hello({ cid, since: 0 });
        return new Phone(client, msgs, cid, room);
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
