import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AckItem, StoredMsg } from "../../shared/protocol/index.ts";
import { mintToken, type RelayProcess, restartRelay, startRelay } from "../../tests/support/relay-process.ts";
import { WireClient } from "../../tests/support/wire-client.ts";
import { type Fatal, type Heartbeat, RelayClient, type RelayLog } from "./relay-client.ts";
import type { RoomHandlers, RoomLink } from "./room-link.ts";
import { StateDb } from "./state-db.ts";

/**
 * The bridge's transport against the real relay (wrangler dev + workerd + SQLite on disk), shared
 * by every test of this file. Killing and restarting it is part of the tests.
 */
const MACHINE = `rcm_${randomBytes(6).toString("base64url")}`;
const CID = `bridge-${randomBytes(6).toString("base64url")}`;
/** Short enough that a test does not wait long for the relay to come back; the policy is the same. */
const BACKOFF_CAP_MS = 1_000;

let relay: RelayProcess;
let bridgeToken = "";
let deviceToken = "";
const dirs: string[] = [];
const opened: { close(): void }[] = [];
const bridges: Bridge[] = [];

beforeAll(async () => {
  relay = await startRelay();
  bridgeToken = (await mintToken(relay, "bridge", MACHINE)).token;
  deviceToken = (await mintToken(relay, "device", MACHINE)).token;
}, 90_000);

afterEach((ctx) => {
  for (const c of opened.splice(0).reverse()) c.close();
  const logs = bridges.splice(0).flatMap((b, i) => b.log.map((line) => `bridge ${i}: ${line}`));
  if (ctx.task.result?.state === "fail" || process.env.TETHER_TEST_LOG) console.info(logs.join("\n"));
});

afterAll(async () => {
  await relay?.kill("SIGKILL");
  if (relay) dirs.push(relay.persistDir);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("RelayClient against the real relay", () => {
  it("delivers messages queued while the relay is down, each once and in order, after it returns", async () => {
    const room = newRoom();
    const db = stateDb(dbPath());
    const bridge = client(db);
    bridge.client.start();
    const applied: StoredMsg[] = [];
    const link = open(bridge.client, room, { onMessage: (m) => applied.push(m) });
    await until(() => link.state() === "caught_up", "the link to catch up");

    await relay.kill("SIGKILL");
    await until(() => link.state() !== "caught_up", "the link to notice the relay is gone");
    const mids = Array.from({ length: 50 }, (_, i) =>
      link.send("agent.message", { id: `m${i}`, blocks: [] }),
    );
    expect(db.outboxDepth(room), "queued durably while the relay is down").toBe(50);

    relay = await restartRelay(relay);
    await until(() => bridge.client.outboxDepth(room) === 0, "the outbox to drain", 30_000);
    const stored = await readRoom(room);
    expect(stored.map((m) => m.mid)).toEqual(mids);
    expect(stored.map((m) => m.body)).toEqual(mids.map((_, i) => ({ id: `m${i}`, blocks: [] })));
    expect(stored.map((m) => m.seq)).toEqual(range(1, 50));
    // The bridge is a receiver of its own room too: its messages come back once each, in order.
    await until(() => applied.length === 50, "the bridge to apply its own messages");
    expect(applied.map((m) => m.mid)).toEqual(mids);
    expect(bridge.fatals).toEqual([]);
  });

  it("a restarted bridge (same state db, next epoch) resends the unacknowledged outbox with the original mids", async () => {
    const room = newRoom();
    const path = dbPath();
    const first = client(stateDb(path));
    const epoch = first.client.start();
    const link1 = open(first.client, room, { onMessage: () => {} });
    await until(() => link1.state() === "caught_up", "the first link to catch up");
    const mids = Array.from({ length: 30 }, (_, i) =>
      link1.send("agent.message", { id: `m${i}`, blocks: [] }),
    );
    // A crash: the first frame is on the wire but its ack is never read; the rest was never sent.
    first.client.close();
    expect(first.db.outboxDepth(room)).toBe(30);

    const second = client(stateDb(path));
    expect(second.client.start()).toBe(epoch + 1);
    const acks: AckItem[] = [];
    open(second.client, room, { onMessage: () => {}, onAcked: (a) => acks.push(...a) });
    await until(() => second.client.outboxDepth(room) === 0, "the resent outbox to be acknowledged");

    expect(acks.map((a) => a.mid)).toEqual(mids);
    expect(acks.filter((a) => a.dup).length, "the frame the first process sent was deduplicated").toBe(1);
    const stored = await readRoom(room);
    expect(stored.map((m) => m.mid)).toEqual(mids);
    expect(stored.map((m) => m.seq)).toEqual(range(1, 30));
  });

  it("fences an older epoch: the zombie's link gets 4003 and stops, a stale start is refused", async () => {
    const room = newRoom();
    const path = dbPath();
    const zombie = client(stateDb(path));
    zombie.client.start();
    const zombieLink = open(zombie.client, room, { onMessage: () => {} });
    await until(() => zombieLink.state() === "caught_up", "the zombie to catch up");

    const current = client(stateDb(path));
    current.client.start();
    const link = open(current.client, room, { onMessage: () => {} });
    await until(() => zombie.fatals.length > 0, "the zombie to be fenced");
    expect(zombie.fatals).toEqual([{ room, code: 4003, reason: "fenced" }]);
    expect(zombieLink.state()).toBe("offline");

    // The newer process keeps the room: it can still send, and nothing took its place.
    await until(() => link.state() === "caught_up", "the current link to catch up");
    link.send("tool.result", { toolUseId: "still_here", isError: false, content: "ok" });
    await until(() => current.client.outboxDepth(room) === 0, "the current process's send to be acked");
    expect(current.fatals).toEqual([]);

    // A process whose state db lags behind (epoch 1) is refused at hello.
    const stale = client(stateDb(dbPath()));
    expect(stale.client.start()).toBe(1);
    open(stale.client, room, { onMessage: () => {} });
    await until(() => stale.fatals.length > 0, "the stale process to be fenced");
    expect(stale.fatals[0]).toMatchObject({ room, code: 4003 });
    expect(link.state()).toBe("caught_up");
  });

  it("applies received messages once each in seq order across a relay restart, and resumes from the persisted cursor", async () => {
    const room = newRoom();
    const path = dbPath();
    const first = client(stateDb(path));
    first.client.start();
    const applied: StoredMsg[] = [];
    const link = open(first.client, room, { onMessage: (m) => applied.push(m) });
    await until(() => link.state() === "caught_up", "the bridge to claim the room");

    const sent = await phoneSends(room, 20);
    await until(() => applied.length === 20, "20 phone messages applied");
    await relay.kill("SIGKILL");
    relay = await restartRelay(relay);
    sent.push(...(await phoneSends(room, 20)));
    await until(() => applied.length >= 40, "40 phone messages applied", 30_000);
    expect(applied.map((m) => m.seq)).toEqual(range(1, 40));
    expect(applied.map((m) => m.mid)).toEqual(sent);
    expect(first.db.cursor(room)).toBe(40);

    first.client.close();
    sent.push(...(await phoneSends(room, 10)));
    const second = client(stateDb(path));
    second.client.start();
    const again: StoredMsg[] = [];
    const link2 = open(second.client, room, { onMessage: (m) => again.push(m) });
    // caught_up comes after the whole replay, so nothing more is owed at that point.
    await until(() => link2.state() === "caught_up", "the restarted bridge to catch up");
    expect(again.map((m) => m.seq)).toEqual(range(41, 50));
    expect(again.map((m) => m.mid)).toEqual(sent.slice(40));
    expect(second.db.cursor(room)).toBe(50);
  });

  it("a room the bridge just created (fresh): what a phone sent before the bridge's first hello is applied", async () => {
    const room = newRoom();
    const claimer = client(stateDb(dbPath()), bridgeToken, `bridge-${randomBytes(6).toString("base64url")}`);
    claimer.client.start();
    const link0 = open(claimer.client, room, { onMessage: () => {} });
    await until(() => link0.state() === "caught_up", "the room to be claimed");
    claimer.client.close();
    // The phone is quicker than the bridge's hello: its messages are stored before the bridge reads.
    const early = await phoneSends(room, 3);

    const cid = () => `bridge-${randomBytes(6).toString("base64url")}`;
    const fresh = client(stateDb(dbPath()), bridgeToken, cid());
    fresh.client.start();
    const got: StoredMsg[] = [];
    const link = fresh.client.openRoom(room, { onMessage: (m) => got.push(m) }, { fresh: true });
    await until(() => link.state() === "caught_up", "the fresh link to catch up");
    expect(got.map((m) => m.mid)).toEqual(early);

    // Without `fresh`, a bridge with no cursor starts at the head (it may have lost its state and
    // must not act on old commands again).
    const plain = client(stateDb(dbPath()), bridgeToken, cid());
    plain.client.start();
    const none: StoredMsg[] = [];
    const link2 = open(plain.client, room, { onMessage: (m) => none.push(m) });
    await until(() => link2.state() === "caught_up", "the plain link to catch up");
    expect(none).toEqual([]);
  });

  it("a stalled relay (no pong) is dropped and reconnected by the heartbeat", async () => {
    const room = newRoom();
    const bridge = client(stateDb(dbPath()), bridgeToken, CID, { pingEveryMs: 200, pongTimeoutMs: 400 });
    bridge.client.start();
    const link = open(bridge.client, room, { onMessage: () => {} });
    await until(() => link.state() === "caught_up", "the link to catch up");
    const noPongDrops = () => bridge.log.filter((l) => l.includes("no pong")).length;
    // Pongs arrive while the relay runs: a few ping periods pass without a drop.
    const started = Date.now();
    await until(() => Date.now() - started > 1_000 || link.state() !== "caught_up", "a second of pings");
    expect(link.state()).toBe("caught_up");

    stallRelay(true);
    try {
      await until(() => noPongDrops() > 0, "the heartbeat to notice the stall", 5_000);
      expect(link.state()).not.toBe("caught_up");
      link.send("tool.result", { toolUseId: "after_stall", isError: false, content: "ok" });
    } finally {
      stallRelay(false);
    }
    await until(
      () => bridge.client.outboxDepth(room) === 0,
      "the message to go through after the stall",
      30_000,
    );
    expect(link.state()).toBe("caught_up");
    expect(bridge.fatals).toEqual([]);
  });

  it("a revoked token is fatal (4001), and the link stops", async () => {
    const extra = await mintToken(relay, "bridge", MACHINE);
    const room = newRoom();
    const revoked = client(stateDb(dbPath()), extra.token, `bridge-${randomBytes(6).toString("base64url")}`);
    revoked.client.start();
    const link = open(revoked.client, room, { onMessage: () => {} });
    await until(() => link.state() === "caught_up", "the link to catch up");

    const res = await fetch(`${relay.url}/api/tokens/${extra.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${relay.secret}` },
    });
    expect(res.status).toBe(200);
    await until(() => revoked.fatals.length > 0, "the revocation to close the socket", 10_000);
    expect(revoked.fatals[0]).toMatchObject({ room, code: 4001 });
    expect(link.state()).toBe("offline");
    expect(revoked.client.state()).toBe("offline");
  });
});

type Bridge = { client: RelayClient; db: StateDb; fatals: Fatal[]; log: string[] };

function client(db: StateDb, token = bridgeToken, cid = CID, heartbeat?: Heartbeat): Bridge {
  const fatals: Fatal[] = [];
  const lines: string[] = [];
  const line = (level: string) => (m: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${m}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
  const log: RelayLog = { info: line("info"), warn: line("warn"), error: line("error") };
  const c = new RelayClient({
    url: relay.url,
    token,
    cid,
    db,
    log,
    backoffCapMs: BACKOFF_CAP_MS,
    onFatal: (f) => fatals.push(f),
    ...(heartbeat === undefined ? {} : { heartbeat }),
  });
  opened.push(c);
  const bridge = { client: c, db, fatals, log: lines };
  bridges.push(bridge);
  return bridge;
}

function open(c: RelayClient, room: string, handlers: RoomHandlers): RoomLink {
  return c.openRoom(room, handlers);
}

function stateDb(path: string): StateDb {
  const db = new StateDb(path);
  opened.push(db);
  return db;
}

function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-bridge-state-"));
  dirs.push(dir);
  return join(dir, "state.db");
}

function newRoom(): string {
  return `s-${randomBytes(16).toString("base64url")}`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A phone (device token) sends `n` user messages in one frame; resolves with their mids once acked. */
async function phoneSends(room: string, n: number): Promise<string[]> {
  const phone = await WireClient.open(relay.wsUrl, room, deviceToken);
  try {
    await phone.hello({ cid: "phone-sender-01", since: null, tail: 0 });
    const msgs = Array.from({ length: n }, () => ({
      mid: randomBytes(16).toString("base64url"),
      kind: "user.message",
      body: { text: "hi" },
    }));
    const result = await phone.send(msgs);
    if (result.status !== "acked" || result.refused.length > 0) throw new Error(JSON.stringify(result));
    return msgs.map((m) => m.mid);
  } finally {
    await phone.close();
  }
}

/** Everything stored in the room, read by a phone from the start. */
async function readRoom(room: string): Promise<StoredMsg[]> {
  const items: StoredMsg[] = [];
  const reader = await WireClient.open(relay.wsUrl, room, deviceToken, { onMsg: (m) => items.push(m) });
  try {
    await reader.hello({ cid: "phone-reader-01", since: 0 });
    await reader.untilCaughtUp();
    expect(reader.violations).toEqual([]);
    return items;
  } finally {
    await reader.close();
  }
}

/** Freezes (SIGSTOP) or resumes the relay's whole process group: sockets stay open, nothing answers. */
function stallRelay(stalled: boolean): void {
  process.kill(-relay.pid, stalled ? "SIGSTOP" : "SIGCONT");
}

/** Polls a condition until it holds; fails with what was awaited. */
async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
