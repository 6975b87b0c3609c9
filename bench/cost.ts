import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { WireClient } from "../tests/support/wire-client.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { cid, messages, newRoom, TETHER_PACE } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { openFloor, sendAllFloor } from "./support/floor-contender.ts";
import type { FloorServer } from "./support/floor-server.ts";
import { cpuMs, workerdChildren } from "./support/proc-stat.ts";
import { round, waitFor } from "./support/stats.ts";

/** Messages per measurement: sent one per frame, then again in frames of 100. */
const SINGLES = 900;
const BATCHED = 4_750;

/** The workerd CPU (user + system, /proc/<pid>/stat) per stored message, Tether vs the floor. */
export async function measureCpu(relay: BenchRelay, floor: FloorServer): Promise<Figure> {
  const relayPid = workerdChildren().filter((p) => p !== floor.pid);
  if (relayPid.length !== 1) throw new Error(`expected one relay workerd, found ${relayPid.join(",")}`);
  const pid = relayPid[0]!;
  const t1 = await perMessage(pid, SINGLES, (n) => tetherSend(relay, n, 1));
  const t100 = await perMessage(pid, BATCHED, (n) => tetherSend(relay, n, 100));
  const f1 = await perMessage(floor.pid, SINGLES, (n) => floorSend(floor, n, 1));
  const f100 = await perMessage(floor.pid, BATCHED, (n) => floorSend(floor, n, 100));
  const detail = (one: number, hundred: number) => ({
    usPerMessageInFramesOf100: round(hundred, 1),
    usOneMessagePerFrame: round(one, 1),
  });
  return figure(
    {
      id: "cpu-per-stored-message",
      name: "server CPU time per stored message (1 KiB, one message per frame)",
      unit: "µs",
      better: "lower",
      method:
        `The CPU time (user + system) of the server's workerd process, read from /proc/<pid>/stat ` +
        `(clock ticks of 10 ms) just before and after the messages, ÷ the messages. One room with one ` +
        `sender and one caught-up receiver (Tether: a phone that acks every page), so it includes the ` +
        `commit, the ack and one broadcast. value: ${SINGLES} messages one per frame, sent as fast as ` +
        `acks come back; detail: ${BATCHED.toLocaleString("en")} in frames of 100 (Tether's bridge batch), over bridge sockets of ` +
        `up to ${TETHER_PACE.burst} messages each so its rate limit never waits. Tether's workerd also ` +
        `runs the Directory and static assets, idle here; the floor runs in its own workerd.`,
    },
    [
      { contender: "tether", value: round(t1, 1), detail: detail(t1, t100) },
      { contender: "floor", value: round(f1, 1), detail: detail(f1, f100) },
    ],
  );
}

async function perMessage(pid: number, n: number, send: (n: number) => Promise<void>): Promise<number> {
  const before = cpuMs(pid);
  await send(n);
  return ((cpuMs(pid) - before) * 1000) / n;
}

async function tetherSend(relay: BenchRelay, n: number, perFrame: number): Promise<void> {
  const room = newRoom();
  let got = 0;
  // Only a bridge brings a room into existence; the phone may join after.
  const opener = await WireClient.open(relay.wsUrl, room, relay.bridgeToken);
  await opener.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
  await opener.close();
  const phone = await WireClient.open(relay.wsUrl, room, relay.deviceToken, { onMsg: () => got++ });
  await phone.hello({ cid: cid("bench-phone"), since: null, tail: 0 });
  await phone.untilCaughtUp();
  for (let done = 0; done < n; ) {
    const bridge = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, { pace: TETHER_PACE });
    await bridge.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
    const mine = Math.min(TETHER_PACE.burst, n - done);
    for (let i = 0; i < mine; i += perFrame) {
      const r = await bridge.send(messages(Math.min(perFrame, mine - i), "random"));
      if (r.status !== "acked" || r.refused.length > 0) throw new Error(`send failed: ${JSON.stringify(r)}`);
    }
    done += mine;
    await bridge.close();
  }
  await waitFor(
    () => got >= n,
    60_000,
    () => `phone has ${got} of ${n}`,
  );
  await phone.close();
}

async function floorSend(floor: FloorServer, n: number, perFrame: number): Promise<void> {
  const room = newRoom();
  let got = 0;
  const phone = await openFloor(floor, room, () => got++);
  const sender = await openFloor(floor, room);
  if (perFrame === 1) {
    for (const m of messages(n, "random")) {
      const target = sender.acks + 1;
      sender.ws.send(JSON.stringify(m));
      await waitFor(
        () => sender.acks >= target,
        10_000,
        () => "floor ack",
      );
    }
  } else await sendAllFloor(sender, messages(n, "random"));
  await waitFor(
    () => got >= n,
    60_000,
    () => `floor phone has ${got} of ${n}`,
  );
  await Promise.all([sender.close(), phone.close()]);
}

/**
 * Bytes at rest of the room that holds the most messages (the 100k backlog of the scale group),
 * scaled to 100,000 messages. Read after both servers stopped.
 */
export function storageFigure(relayDoDir: string, floorDoDir: string): Figure {
  const t = biggestRoom(relayDoDir);
  const f = biggestRoom(floorDoDir);
  const entry = (id: "tether" | "floor", r: Room) => ({
    contender: id,
    value: Math.round((r.bytes / r.messages) * 100_000),
    detail: {
      file: r.file,
      fileBytes: r.bytes,
      messages: r.messages,
      bodyBytesPer100k: Math.round((r.bodyBytes / r.messages) * 100_000),
    },
  });
  return figure(
    {
      id: "storage-bytes-per-100k",
      name: "storage at rest per 100,000 stored messages (1 KiB)",
      unit: "bytes",
      better: "lower",
      method:
        `After the run both workerd processes are stopped; the Durable Object SQLite file (plus any -wal ` +
        `and -shm beside it) of the room holding the most messages (the 100,000 backlog) is measured, ` +
        `÷ its rows in the log × 100,000. detail.bodyBytesPer100k is what the bodies themselves take ` +
        `(Tether: the body column; the floor: its whole message JSON), for the overhead.`,
    },
    [entry("tether", t), entry("floor", f)],
  );
}

type Room = { file: string; bytes: number; messages: number; bodyBytes: number };

function biggestRoom(doDir: string): Room {
  let best: Room | null = null;
  for (const dir of readdirSync(doDir)) {
    for (const name of readdirSync(join(doDir, dir)).filter((x) => x.endsWith(".sqlite"))) {
      const file = join(doDir, dir, name);
      const db = new DatabaseSync(file, { readOnly: true });
      const hasLog = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='log'").get();
      const row = hasLog
        ? (db.prepare("SELECT count(*) AS n, sum(length(body)) AS b FROM log").get() as {
            n: number;
            b: number;
          })
        : { n: 0, b: 0 };
      db.close();
      if (best && row.n <= best.messages) continue;
      const bytes = ["", "-wal", "-shm"].reduce((s, x) => s + sizeOr0(`${file}${x}`), 0);
      best = { file: `${dir}/${name}`, bytes, messages: row.n, bodyBytes: row.b };
    }
  }
  if (!best || best.messages === 0) throw new Error(`no room with messages under ${doDir}`);
  return best;
}

function sizeOr0(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no -wal or -shm at rest
  }
}
