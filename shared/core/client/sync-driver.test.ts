import { describe, expect, it } from "vitest";
import {
  DeferredStore,
  FakeClock,
  FakeTransport,
  MemoryStore,
  recorder,
} from "../../../tests/support/driver-fakes.ts";
import { CID, msgs } from "../../../tests/support/sync-harness.ts";
import { mid } from "../../../tests/support/test-room.ts";
import { type DriverEvent, type DriverOptions, SyncDriver } from "./sync-driver.ts";

/** The owner's handler, after the event is recorded. */
type Hook = (e: DriverEvent, driver: SyncDriver<false>) => void;
type Setup = { cursor?: number | null; extra?: Partial<DriverOptions<false>>; hook?: Hook };

/** A bridge-like driver (synchronous store, one message at a time) on a fake clock, started. */
function setup({ cursor = 0, extra = {}, hook }: Setup = {}) {
  const timeline: string[] = [];
  const clock = new FakeClock();
  const transport = new FakeTransport(timeline);
  const store = new MemoryStore(timeline, { cursor });
  const rec = recorder(timeline);
  const driver = new SyncDriver({
    engine: { cid: CID, epoch: 3, random: () => 0.5 },
    transport,
    store,
    clock,
    on: (e) => {
      rec.on(e);
      hook?.(e, driver);
    },
    applyBatch: "message",
    ...extra,
  });
  driver.start();
  /** Opens the dialed socket, welcomes it at the store's cursor and says caught up. */
  const live = (head = store.cursor ?? 0) => {
    transport.last.welcome((store.cursor ?? 0) + 1, head);
    transport.last.relay({ t: "caught_up", head });
  };
  const of = <T extends DriverEvent["type"]>(type: T) =>
    rec.events.filter((e): e is Extract<DriverEvent, { type: T }> => e.type === type);
  return { driver, clock, transport, store, timeline, events: rec.events, live, of };
}

/** An owner that queues `reply` while message `seq` is handed over, as a bridge handler may. */
const replyTo =
  (seq: number, reply: string): Hook =>
  (e, driver) => {
    if (e.type === "applied" && e.msgs[0]?.seq === seq) driver.send("agent.message", { to: seq }, reply);
  };

const states = (events: DriverEvent[]) => events.flatMap((e) => (e.type === "state" ? [e.state] : []));

describe("draining", () => {
  it("hands each message over and persists its cursor before the next; what that causes queues behind", () => {
    const reply = mid("r");
    const s = setup({ hook: replyTo(1, reply) });
    s.live(3);
    s.timeline.length = 0;
    s.transport.last.relay(msgs(1, 2, 3));
    expect(s.timeline).toEqual([
      "applied [1]",
      `store enqueue ${reply}`,
      "queued",
      "store persist [1] 1",
      "applied [2]",
      "store persist [2] 2",
      "applied [3]",
      "store persist [3] 3",
      "wire send",
    ]);
  });

  it("what a handler queues while the last message of a frame is handed over still goes out", () => {
    const reply = mid("l");
    const s = setup({ hook: replyTo(2, reply) });
    s.live(2);
    s.timeline.length = 0;
    s.transport.last.relay(msgs(1, 2));
    expect(s.timeline.slice(-3)).toEqual(["queued", "store persist [2] 2", "wire send"]);
    s.transport.last.relay({ t: "acked", acks: [{ mid: reply, seq: 3 }] });
    expect(s.driver.outboxSize()).toBe(0);
  });

  it("with applyBatch frame, a frame's messages go as one batch and one store write", () => {
    const s = setup({ extra: { applyBatch: "frame" } });
    s.live(3);
    s.timeline.length = 0;
    s.transport.last.relay(msgs(1, 2, 3));
    expect(s.timeline).toEqual(["applied [1,2,3]", "store persist [1,2,3] 3"]);
  });
});

describe("the deadline timer", () => {
  it("keeps one timer at the engine's deadline and moves it with the heartbeat", () => {
    const s = setup();
    s.live();
    const pings = () => s.transport.last.sent.filter((t) => t === "ping").length;
    expect(s.clock.pending()).toBe(1);
    s.clock.advance(14_999);
    expect(pings()).toBe(0);
    s.clock.advance(1);
    expect(pings()).toBe(1);
    expect(s.clock.pending()).toBe(1);
    s.clock.advance(5_000);
    s.transport.last.on.message("pong");
    // Re-armed for the next ping, 15 s after the last one, not at the pong deadline.
    s.clock.advance(9_999);
    expect(pings()).toBe(1);
    s.clock.advance(1);
    expect(pings()).toBe(2);
    expect(s.clock.pending()).toBe(1);
    expect(s.transport.sockets).toHaveLength(1);
  });
});

describe("redial", () => {
  it("dials again after a close with full-jitter backoff that grows per attempt, and after a dial timeout", () => {
    const s = setup({ cursor: 7 });
    s.live();
    s.transport.last.on.close(1006, "");
    expect(s.driver.state).toEqual({ kind: "waiting", delayMs: 250, attempt: 1, code: 1006, reason: "" });
    s.clock.advance(249);
    expect(s.transport.sockets).toHaveLength(1);
    s.clock.advance(1);
    expect(s.transport.sockets).toHaveLength(2);
    expect(s.driver.state).toEqual({ kind: "connecting" });
    s.transport.last.on.close(1006, "refused");
    expect(s.driver.state).toMatchObject({ kind: "waiting", delayMs: 500, attempt: 2 });
    s.clock.advance(500);
    // This dial never opens: after 10 s it counts as failed.
    s.clock.advance(9_999);
    expect(s.transport.last.closed).toBeNull();
    s.clock.advance(1);
    expect(s.transport.last.closed).toEqual({ code: 1000, reason: "dial timed out" });
    expect(s.driver.state).toMatchObject({ kind: "waiting", delayMs: 1_000, attempt: 3, code: 1006 });
    s.clock.advance(1_000);
    s.transport.last.on.open();
    expect(s.transport.last.frames()).toEqual([{ t: "hello", v: 2, cid: CID, epoch: 3, since: 7 }]);
  });

  it("a fatal close stops for good: no redial, no timer, and a send is still kept durably", () => {
    const s = setup();
    s.live();
    s.transport.last.on.close(4003, "fenced");
    expect(s.driver.state).toEqual({ kind: "fatal", code: 4003, reason: "fenced" });
    s.clock.advance(600_000);
    s.driver.wake(25_000); // the web app coming back to the foreground
    expect(s.transport.sockets).toHaveLength(1);
    expect(s.clock.pending()).toBe(0);
    const m = mid("f");
    expect(s.driver.send("agent.message", {}, m)).toEqual({ ok: true, mid: m });
    expect(s.store.outbox.map((e) => e.mid)).toEqual([m]);
  });

  it("a hidden app with nothing to send waits for wake() instead of redialing", () => {
    let hidden = true;
    const s = setup({ extra: { mayPause: () => hidden } });
    s.live();
    s.transport.last.on.close(1001, "going away");
    expect(s.driver.state).toEqual({ kind: "paused" });
    s.clock.advance(600_000);
    expect(s.transport.sockets).toHaveLength(1);
    hidden = false;
    s.driver.wake(25_000);
    expect(s.transport.sockets).toHaveLength(2);
  });
});

describe("heartbeat", () => {
  it("a missing pong drops the socket and dials again; the dropped socket's late close is ignored", () => {
    const s = setup();
    s.live();
    s.clock.advance(15_000);
    expect(s.transport.last.sent.at(-1)).toBe("ping");
    s.clock.advance(9_999);
    expect(s.transport.last.closed).toBeNull();
    s.clock.advance(1);
    const dropped = s.transport.last;
    expect(dropped.closed).toEqual({ code: 1000, reason: "no pong in time" });
    expect(s.driver.state).toMatchObject({ kind: "waiting", attempt: 1 });
    dropped.on.close(1006, "");
    expect(states(s.events).filter((st) => st.kind === "waiting")).toHaveLength(1);
    s.clock.advance(250);
    expect(s.transport.sockets).toHaveLength(2);
  });

  it("a message unacknowledged after ackProbeMs makes a live socket prove itself at once", () => {
    const s = setup({ extra: { ackProbeMs: 4_000 } });
    s.live();
    s.driver.send("agent.message", {}, mid("p"));
    s.clock.advance(4_000);
    expect(s.transport.last.sent.at(-1)).toBe("ping");
    s.clock.advance(3_000);
    expect(s.transport.last.closed).toEqual({ code: 1000, reason: "no pong in time" });
  });
});

describe("store failures surface as errors, not losses", () => {
  it("a failed enqueue answers not ok, says store_error, and sends nothing", () => {
    const s = setup();
    s.live();
    s.store.failing.add("enqueue");
    const r = s.driver.send("agent.message", {}, mid("e"));
    expect(r).toMatchObject({ ok: false, code: "store_failed", message: "Error: enqueue: disk full" });
    expect(s.of("store_error").map((e) => e.op)).toEqual(["enqueue"]);
    expect(s.of("queued")).toEqual([]);
    expect(s.transport.last.frames().filter((f) => (f as { t?: string }).t === "send")).toEqual([]);
    expect(s.driver.outboxSize()).toBe(0);
  });

  it("with an asynchronous store a message goes out only after its commit, and a rejected commit is an error", async () => {
    const timeline: string[] = [];
    const transport = new FakeTransport(timeline);
    const store = new DeferredStore(new MemoryStore(timeline, { cursor: 0 }));
    const rec = recorder(timeline);
    const driver = new SyncDriver({
      engine: { cid: CID },
      transport,
      store,
      clock: new FakeClock(),
      on: rec.on,
      applyBatch: "frame",
    });
    await driver.start();
    transport.last.welcome(1);
    const sent = driver.send("user.message", { text: "hi" }, mid("a"));
    await Promise.resolve();
    expect(timeline.filter((t) => t === "wire send" || t === "queued")).toEqual([]);
    store.commit();
    expect(await sent).toMatchObject({ ok: true });
    expect(timeline.filter((t) => t === "wire send" || t === "queued")).toEqual(["queued", "wire send"]);
    store.inner.failing.add("enqueue");
    const refused = driver.send("user.message", { text: "again" }, mid("b"));
    store.commit();
    expect(await refused).toMatchObject({ ok: false, code: "store_failed" });
    expect(driver.outboxSize()).toBe(1);
  });

  it("a failed cursor write is reported and the link goes on; the next write covers it", () => {
    const s = setup();
    s.live(3);
    s.store.failing.add("persist");
    s.transport.last.relay(msgs(1, 2));
    expect(s.of("store_error").map((e) => e.op)).toEqual(["persist", "persist"]);
    expect(s.of("applied").flatMap((e) => e.msgs.map((m) => m.seq))).toEqual([1, 2]);
    s.store.failing.clear();
    s.transport.last.relay(msgs(3));
    expect(s.store.cursor).toBe(3);
    expect(s.driver.state).toEqual({ kind: "live" });
  });

  it("a store that cannot load is fatal with code 0, dials nothing, and refuses sends", () => {
    const timeline: string[] = [];
    const store = new MemoryStore(timeline);
    store.failing.add("load");
    const transport = new FakeTransport(timeline);
    const rec = recorder(timeline);
    const clock = new FakeClock();
    const driver = new SyncDriver({
      engine: { cid: CID },
      transport,
      store,
      clock,
      on: rec.on,
      applyBatch: "frame",
    });
    driver.start();
    expect(driver.state).toEqual({ kind: "fatal", code: 0, reason: "storage unavailable" });
    expect(rec.events.some((e) => e.type === "store_error" && e.op === "load")).toBe(true);
    expect(transport.sockets).toEqual([]);
    expect(driver.send("agent.message", {}, mid("u"))).toMatchObject({ ok: false, code: "unavailable" });
  });
});

describe("a handler bug", () => {
  it("stops the link with the cursor before the message it failed on, and rethrows", () => {
    const boom = new Error("handler bug");
    const s = setup({
      hook: (e) => {
        if (e.type === "applied" && e.msgs[0]?.seq === 2) throw boom;
      },
    });
    s.live(3);
    expect(() => s.transport.last.relay(msgs(1, 2, 3))).toThrow(boom);
    expect(s.store.cursor).toBe(1);
    expect(s.driver.state).toEqual({ kind: "closed" });
    expect(s.transport.last.closed).toEqual({ code: 1000, reason: "closing" });
    expect(s.clock.pending()).toBe(0);
  });
});
