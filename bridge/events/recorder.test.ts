import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../log.ts";
import { EVENT_FILE_BYTES, EVENT_FILES_KEPT, EVENT_RETENTION_MS, EventLog, readEvents } from "./event-log.ts";
import { EVENT_VERSION } from "./lifecycle-event.ts";
import { Recorder } from "./recorder.ts";

let dir: string;
const errors: string[] = [];
const log: Logger = { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-events-"));
  errors.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recorder(now = () => 1_000): Recorder {
  return new Recorder({ dir: join(dir, "events"), dbPath: join(dir, "sessions.db"), log, now });
}

describe("Recorder: the event log and the counters tell the same story", () => {
  it("counts each event as it writes its line, since install and since start", () => {
    const r = recorder();
    r.record({ type: "session.created", room: "s-a" });
    r.record({ type: "turn.ended", room: "s-a", inputMid: "m1", ok: true, subtype: "success", turnMs: 5 });
    r.record({
      type: "turn.ended",
      room: "s-a",
      inputMid: "m2",
      ok: false,
      subtype: "interrupted",
      turnMs: 9,
    });
    r.record({ type: "relay.up", outageMs: 300 });
    r.record({ type: "relay.up", outageMs: 100 });
    r.close();
    const again = recorder();
    again.record({ type: "session.created", room: "s-b" });
    const c = again.counters();
    expect(c.sinceInstall).toMatchObject({
      sessionsCreated: 2,
      turnsOk: 1,
      turnsFailed: 1,
      "turnsFailed.interrupted": 1,
      relayReconnects: 2,
      relayOutageMs: 400,
      relayLongestOutageMs: 300,
    });
    expect(c.sinceStart).toEqual({ sessionsCreated: 1 });
    expect(readEvents(join(dir, "events")).map((e) => [e.seq, e.type, e.v])).toEqual([
      [1, "session.created", EVENT_VERSION],
      [2, "turn.ended", EVENT_VERSION],
      [3, "turn.ended", EVENT_VERSION],
      [4, "relay.up", EVENT_VERSION],
      [5, "relay.up", EVENT_VERSION],
      [6, "session.created", EVENT_VERSION],
    ]);
    again.close();
  });

  it("never records a once-event twice, also across a restart", () => {
    const r = recorder();
    const end = {
      type: "turn.ended",
      room: "s-a",
      inputMid: "m1",
      ok: true,
      subtype: "success",
      turnMs: 1,
    } as const;
    r.record(end);
    r.record(end);
    r.close();
    const again = recorder();
    again.record({ ...end, ok: false, subtype: "error_bridge_restarted" });
    expect(readEvents(join(dir, "events"))).toHaveLength(1);
    expect(again.counters().sinceInstall).toEqual({ turnsOk: 1 });
    again.close();
  });

  it("a line written but not counted before a crash is counted at the next start, a torn one is dropped", () => {
    const r = recorder();
    r.record({ type: "session.created", room: "s-a" });
    r.close();
    const file = join(dir, "events", "events.jsonl");
    const line = { v: EVENT_VERSION, seq: 2, at: 2_000, type: "session.ended", room: "s-a", reason: "x" };
    appendFileSync(file, `${JSON.stringify(line)}\n{"v":1,"seq":3,"at":3000,"type":"sess`);
    const again = recorder();
    expect(again.counters().sinceInstall).toEqual({ sessionsCreated: 1, sessionsEnded: 1 });
    expect(again.counters().sinceStart).toEqual({});
    again.record({ type: "session.ended", room: "s-a", reason: "again" });
    again.record({ type: "bridge.stopped" });
    expect(readEvents(join(dir, "events")).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
    again.close();
  });

  it("two bridge processes on one state dir for a moment: no seq is written twice", () => {
    const first = recorder();
    const second = recorder();
    first.record({ type: "bridge.started", pid: 1, version: "x" });
    second.record({ type: "bridge.started", pid: 2, version: "x" });
    first.record({ type: "bridge.stopped" });
    expect(readEvents(join(dir, "events")).map((e) => e.seq)).toEqual([1, 2, 3]);
    first.close();
    second.close();
  });

  it("an event that cannot be written is logged, and the bridge goes on", () => {
    const r = recorder();
    r.close();
    r.record({ type: "bridge.stopped" });
    expect(errors).toEqual(["could not record a lifecycle event"]);
  });
});

describe("EventLog: rotation by size, retention by count and age", () => {
  it("rotates before a file would pass 1 MiB and keeps the newest files only", () => {
    const events = join(dir, "events");
    const fileBytes = 4096;
    const elog = new EventLog(events, { fileBytes });
    const reason = "r".repeat(400);
    const perFile = Math.ceil(fileBytes / 480);
    const total = perFile * (EVENT_FILES_KEPT + 3);
    for (let i = 1; i <= total; i++)
      elog.append((seq) => ({ v: EVENT_VERSION, seq, at: seq, type: "session.ended", room: "s-a", reason }));
    const files = readdirSync(events).sort();
    expect(files).toHaveLength(EVENT_FILES_KEPT + 1);
    for (const f of files) expect(readFileSync(join(events, f)).length).toBeLessThanOrEqual(fileBytes);
    const kept = readEvents(events).map((e) => e.seq);
    expect(kept.at(-1)).toBe(total);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => total - kept.length + 1 + i));
    elog.close();

    // Rotated files whose last write is older than the retention go when the log opens.
    const oldest = join(events, files[0]!);
    utimesSync(oldest, 1, 1);
    new EventLog(events).close();
    expect(readdirSync(events)).not.toContain(files[0]);
  });

  it("keeps 1 MiB files, 10 of them, 30 days (docs/events.md)", () => {
    expect([EVENT_FILE_BYTES, EVENT_FILES_KEPT, EVENT_RETENTION_MS]).toEqual([
      1024 * 1024,
      10,
      30 * 86_400_000,
    ]);
  });

  it("a foreign line in the file is skipped by readers", () => {
    const events = join(dir, "events");
    new EventLog(events).close();
    writeFileSync(
      join(events, "events.jsonl"),
      `not json\n${JSON.stringify({ v: 1, seq: 1, at: 1, type: "bridge.stopped" })}\n`,
    );
    expect(readEvents(events).map((e) => e.type)).toEqual(["bridge.stopped"]);
  });
});
