import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimedRoom, newMachine } from "./api-test-kit.ts";
import { batch, WsClient } from "./ws-test-kit.ts";

// This project runs the Worker with TETHER_ROOM_MAX_MESSAGES=50.
describe("retention with a small room cap", () => {
  it("compacts past the cap only what the bridge acknowledged; gone{truncated}; compacted mids still dedupe", async () => {
    const m = await newMachine();
    const room = await claimedRoom(m.bridge.token);
    const stub = env.ROOM.getByName(room);
    const bridge = await WsClient.join(room, m.bridge.token, { cid: "bridge-cid-1", epoch: 1 });
    await bridge.next("caught_up");
    const first = batch("agent.message", 60);
    bridge.send(first);
    await bridge.next("acked");
    bridge.send(batch("agent.message", 60));
    await bridge.next("acked");
    await runDurableObjectAlarm(stub);
    const before = await runInDurableObject(stub, (_r, s) =>
      s.storage.sql.exec("SELECT low, count FROM meta").one(),
    );
    expect(before).toEqual({ low: 1, count: 120 }); // the bridge has acknowledged nothing: nothing compacted

    await bridge.until((c) => c.seqs().length === 120);
    const phone = await WsClient.join(room, m.device.token, { cid: "phone-cid-01" });
    await phone.next("caught_up");
    phone.send(batch("user.message", 1));
    expect(await phone.next("error")).toMatchObject({ code: "room_full" });

    bridge.send({ t: "ack", upTo: 100 });
    // A round trip through the room itself (a ping is answered by the runtime, not the Durable
    // Object, so its pong does not prove the ack was applied).
    bridge.send({ t: "history", limit: 1 });
    await bridge.next("history");
    await runDurableObjectAlarm(stub);
    const after = await runInDurableObject(stub, (_r, s) =>
      s.storage.sql.exec("SELECT low, head, count FROM meta").one(),
    );
    expect(after).toEqual({ low: 71, head: 120, count: 50 });

    const late = await WsClient.join(room, m.device.token, { cid: "phone-cid-02", since: 3 });
    expect(late.all("welcome")[0]).toMatchObject({ low: 71, head: 120, resumeFrom: 71 });
    expect(await late.next("gone")).toEqual({
      t: "gone",
      reason: "truncated",
      low: 71,
      head: 120,
      resumeFrom: 71,
    });
    expect(await late.drain()).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));

    const oldMid = first.msgs[0]!.mid;
    bridge.send({ t: "send", msgs: [{ mid: oldMid, kind: "agent.message", body: "retry" }] });
    expect((await bridge.next("acked")).acks).toEqual([{ mid: oldMid, seq: 1, dup: true }]);
    phone.send(batch("user.message", 1));
    expect((await phone.next("acked")).acks[0]?.seq).toBe(121);
  });
});
