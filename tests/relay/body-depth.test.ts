import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Limits } from "../../shared/protocol/index.ts";
import { claimedRoom, newMachine, share } from "./api-test-kit.ts";
import { mid, WsClient } from "./ws-test-kit.ts";

function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe("body depth", () => {
  it("refuses a body nested deeper than the limit with too_deep naming it; the rest of the frame is stored", async () => {
    const m = await newMachine();
    const room = await claimedRoom(m.bridge.token);
    const link = await share(m.bridge.token, room, "controller");
    const phone = await WsClient.join(room, link.token, { v: 2, cid: "phone-cid-1" });
    const [deep, deepest, ok, flat] = [mid(), mid(), mid(), mid()];
    // Written out by hand: JSON.stringify itself would overflow on the 10,000-deep body.
    const msg = (m: string, kind: string, body: string) => `{"mid":"${m}","kind":"${kind}","body":${body}}`;
    const msgs = [
      msg(deep, "session.command", JSON.stringify({ name: "clear", x: nested(Limits.bodyDepth) })),
      msg(deepest, "session.command", `${"[".repeat(10_000)}${"]".repeat(10_000)}`),
      msg(ok, "session.command", JSON.stringify(nested(Limits.bodyDepth))),
      msg(flat, "user.message", JSON.stringify({ text: "hi" })),
    ];
    phone.send(`{"t":"send","msgs":[${msgs.join(",")}]}`);
    const e1 = await phone.next("error");
    const e2 = await phone.next("error");
    expect([e1, e2]).toEqual([
      expect.objectContaining({ code: "too_deep", mid: deep }),
      expect.objectContaining({ code: "too_deep", mid: deepest }),
    ]);
    const acked = await phone.next("acked");
    expect(acked.acks.map((a: { mid: string }) => a.mid)).toEqual([ok, flat]);
    const rows = await runInDurableObject(env.ROOM.getByName(room), (_r, s) =>
      s.storage.sql.exec("SELECT mid FROM log ORDER BY seq").toArray(),
    );
    expect(rows.map((r) => r.mid)).toEqual([ok, flat]);
  });
});
