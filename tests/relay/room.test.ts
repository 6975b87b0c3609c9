import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimedRoom, newMachine } from "./api-test-kit.ts";
import { batch, mid, WsClient } from "./ws-test-kit.ts";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A machine, a claimed session room, and a bridge that said hello and holds `n` messages. */
async function roomWith(n: number) {
  const m = await newMachine();
  const room = await claimedRoom(m.bridge.token);
  const bridge = await WsClient.join(room, m.bridge.token, { cid: "bridge-cid-1", epoch: 1 });
  await bridge.drain();
  for (let sent = 0; sent < n; sent += 100) {
    bridge.send(batch("agent.message", Math.min(100, n - sent), (i) => ({ i: sent + i })));
    await bridge.next("acked");
  }
  return { ...m, room, bridge, bridgeToken: m.bridge.token };
}

describe("resume over real sockets", () => {
  it("after any prefix of a 1,000-message stream, since=k replays exactly k+1..1000 once, in order", async () => {
    const { room, device } = await roomWith(1000);
    for (const k of [0, 1, 99, 100, 101, 499, 500, 501, 998, 999, 1000, 737]) {
      const first = await WsClient.join(room, device.token, { cid: "phone-cid-01", since: 0 });
      await first.until((c) => c.seqs().length >= k);
      first.close();
      const again = await WsClient.join(room, device.token, { cid: "phone-cid-01", since: k });
      expect(await again.drain()).toEqual(range(k + 1, 1000));
      again.close();
    }
  });

  it("welcome, tail and gone{unknown_cursor} follow docs/protocol.md §5.3", async () => {
    const { room, device } = await roomWith(300);
    const tail = await WsClient.open(room, device.token);
    tail.send({ t: "hello", v: 2, cid: "phone-cid-02", since: null, tail: 5 });
    expect(await tail.next("welcome")).toMatchObject({
      room,
      role: "controller",
      head: 300,
      low: 1,
      resumeFrom: 296,
    });
    expect(await tail.drain()).toEqual(range(296, 300));
    const lost = await WsClient.open(room, device.token);
    lost.send({ t: "hello", v: 2, cid: "phone-cid-03", since: 5000 });
    expect(await lost.next("gone")).toEqual({
      t: "gone",
      reason: "unknown_cursor",
      low: 1,
      head: 300,
      resumeFrom: 101,
    });
    expect(await lost.drain()).toEqual(range(101, 300));
    lost.send({ t: "history", before: 101, limit: 100 });
    expect((await lost.next("history")).items.map((i) => i.seq)).toEqual(range(1, 100));
  });

  it("the same mid from a new socket is stored once and answered with its original seq", async () => {
    const { room, device } = await roomWith(0);
    const m = mid();
    const a = await WsClient.join(room, device.token, { cid: "phone-cid-04" });
    a.send({ t: "send", msgs: [{ mid: m, kind: "user.message", body: { text: "one" } }] });
    expect((await a.next("acked")).acks).toEqual([{ mid: m, seq: 1 }]);
    a.close();
    const b = await WsClient.join(room, device.token, { cid: "phone-cid-04", since: 1 });
    b.send({ t: "send", msgs: [{ mid: m, kind: "user.message", body: { text: "two" } }] });
    expect((await b.next("acked")).acks).toEqual([{ mid: m, seq: 1, dup: true }]);
    const c = await WsClient.join(room, device.token, { cid: "phone-cid-05", since: 0 });
    await c.next("caught_up");
    expect(c.all("msgs").flatMap((f) => f.items)).toMatchObject([{ seq: 1, mid: m, body: { text: "one" } }]);
  });
});

describe("durability across hibernation and restart", () => {
  it("evictions between messages (hibernating and closing sockets) lose and reorder nothing", async () => {
    const m = await roomWith(0);
    const { room, device } = m;
    const stub = env.ROOM.getByName(room);
    const applied: number[] = [];
    const apply = (c: WsClient) => {
      for (const seq of c.seqs()) if (seq === (applied.at(-1) ?? 0) + 1) applied.push(seq);
    };
    let phone = await WsClient.join(room, device.token, { cid: "phone-cid-06" });
    let b = m.bridge;
    for (let round = 0; round < 6; round++) {
      b.send(batch("agent.message", 10, (i) => ({ round, i })));
      await b.next("acked");
      await phone.until((c) => c.seqs().length > 0 && c.seqs().at(-1) === (round + 1) * 10);
      apply(phone);
      if (round % 2 === 0) {
        await evictDurableObject(stub); // hibernation: sockets stay open
      } else {
        await evictDurableObject(stub, { webSockets: "close" }); // restart or deploy: every socket drops
        await Promise.all([b.closed, phone.closed]);
        b = await WsClient.join(room, m.bridgeToken, { cid: "bridge-cid-1", epoch: 1 });
        phone = await WsClient.join(room, device.token, { cid: "phone-cid-06", since: applied.at(-1) ?? 0 });
      }
    }
    expect(applied).toEqual(range(1, 60));
    const fresh = await WsClient.join(room, device.token, { cid: "phone-cid-07", since: 0 });
    expect(await fresh.drain()).toEqual(range(1, 60));
    const bodies = fresh
      .all("msgs")
      .flatMap((f) => f.items.map((i) => i.body as { round: number; i: number }));
    expect(bodies).toEqual(range(0, 5).flatMap((round) => range(0, 9).map((i) => ({ round, i }))));
  });
});
