import { describe, expect, it } from "vitest";
import type { BodyContext } from "../../../shared/core/e2e/context.ts";
import {
  type E2eKey,
  importRoomKey,
  openBody,
  randomSecret,
  sealBody,
} from "../../../shared/core/e2e/webcrypto.ts";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { unopenedReason } from "../state/unopened.ts";
import { Opener, type OpenKeys } from "./opener.ts";

const ROOM = "s-abcdefghijklmnopqrst";

/** Keys of one room, with generation 1 given only once a grant (any `keys.grant`) is absorbed. */
async function keysOf(): Promise<{ keys: OpenKeys; key: E2eKey }> {
  const key = await importRoomKey(randomSecret());
  let granted = false;
  const keys: OpenKeys = {
    room: ROOM,
    absorb: async () => {
      const fresh = !granted;
      granted = true;
      return fresh;
    },
    open: (kind, mid, body) =>
      kind === "keys.grant"
        ? Promise.resolve({ ok: true, body })
        : openBody((k) => (granted && k === 1 ? key : null), { room: ROOM, kind, mid }, body),
  };
  return { keys, key };
}

function msg(seq: number, kind: string, body: unknown): StoredMsg {
  return { seq, mid: `m${seq}`, kind, body, cid: "c1", role: "bridge", ts: seq } as StoredMsg;
}

async function sealed(key: E2eKey, seq: number, kind: string, body: unknown): Promise<StoredMsg> {
  const ctx: BodyContext = { room: ROOM, kind, mid: `m${seq}` };
  return msg(seq, kind, await sealBody(key, 1, ctx, body));
}

describe("Opener", () => {
  it("opens in order, takes grants first, and never passes a failed body on as genuine", async () => {
    const { keys, key } = await keysOf();
    const o = new Opener(keys);
    const good = await sealed(key, 2, "session.info", { title: "T" });
    const moved = { ...(await sealed(key, 3, "agent.message", { x: 1 })), kind: "tool.result" };
    const plain = msg(4, "agent.message", { id: "a", blocks: [] });
    const r = await o.open([msg(1, "keys.grant", { room: ROOM, keys: [] }), good, moved, plain]);
    expect(r.fresh).toBe(true);
    expect(r.msgs.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(r.msgs[1]?.body).toEqual({ title: "T" });
    expect(unopenedReason(r.msgs[2]?.body)).toBe("bad_tag");
    expect(unopenedReason(r.msgs[3]?.body)).toBe("not_sealed");
  });

  it("keeps a message whose key has not come waiting, unverifiable once caught up, and opens it on a grant", async () => {
    const { keys, key } = await keysOf();
    const o = new Opener(keys);
    const first = await o.open([await sealed(key, 1, "session.info", { title: "Later" })]);
    expect(unopenedReason(first.msgs[0]?.body)).toBe("waiting");
    expect(o.caughtUp().map((m) => unopenedReason(m.body))).toEqual(["unknown_key"]);
    const grant = await o.open([msg(2, "keys.grant", { room: ROOM, keys: [] })]);
    expect(grant.fresh).toBe(true);
    const again = await o.reopen();
    expect(again.map((m) => [m.seq, m.body])).toEqual([[1, { title: "Later" }]]);
  });
});
