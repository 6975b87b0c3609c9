import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { applyGuarded, MAX_TRIES } from "./guard.ts";
import type { RoomHandlers, SkipReason } from "./room-link.ts";
import { StateDb } from "./state-db.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-guard-"));
  dirs.push(dir);
  return join(dir, "state.db");
}

function stored(seq: number, body: unknown, role: StoredMsg["role"] = "controller"): StoredMsg {
  return { seq, mid: `mid${seq}`, cid: "phone1", role, kind: "session.command", body, ts: 0 };
}

type Seen = { handled: string[]; skipped: [string, SkipReason][]; logs: string[] };

function guard(db: StateDb, onMessage: (m: StoredMsg) => void) {
  const seen: Seen = { handled: [], skipped: [], logs: [] };
  const handlers: RoomHandlers = {
    onMessage: (m) => {
      seen.handled.push(m.mid);
      onMessage(m);
    },
    onSkipped: (m, reason) => seen.skipped.push([m.mid, reason]),
  };
  const line = (text: string, fields?: Record<string, unknown>) =>
    seen.logs.push(`${text} ${JSON.stringify(fields ?? {})}`);
  const log = { info: line, warn: line, error: line };
  const store = db.clientStore("room1");
  return {
    seen,
    /** As the sync driver does: hand the message over, then persist the cursor past it. */
    deliver(msg: StoredMsg, persist = true) {
      applyGuarded({ room: "room1", db, log, handlers }, msg);
      if (persist) store.persist([msg], msg.seq);
    },
  };
}

function deep(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe("applyGuarded", () => {
  it("a handler that throws: the message is skipped with `failed`, and the next one is handled", () => {
    const db = new StateDb(dbPath());
    const g = guard(db, (m) => {
      if (m.seq === 1) JSON.stringify(m.body);
    });
    g.deliver(stored(1, deep(10_000)));
    // Too deep is decided before the handler: it never sees the body.
    expect(g.seen.handled).toEqual([]);
    expect(g.seen.skipped).toEqual([["mid1", "too_deep"]]);
    const g2 = guard(db, (m) => {
      if (m.seq === 2) throw new RangeError("Maximum call stack size exceeded");
    });
    g2.deliver(stored(2, { name: "x" }));
    g2.deliver(stored(3, { name: "clear" }));
    expect(g2.seen.handled).toEqual(["mid2", "mid3"]);
    expect(g2.seen.skipped).toEqual([["mid2", "failed"]]);
    expect(db.cursor("room1")).toBe(3);
    // The log describes the body, never prints it.
    expect(g.seen.logs.join("\n")).toContain("array [1] ~");
    db.close();
  });

  it("a message whose handling kills the process is skipped on the delivery after the last allowed try", () => {
    const path = dbPath();
    const poison = stored(7, { name: "set_model", value: "boom" });
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      // Each start: a new process opens the same state db and is handed the same message again;
      // it dies inside the handler, so neither the cursor nor anything after is written.
      const db = new StateDb(path);
      const g = guard(db, () => {});
      g.deliver(poison, false);
      expect(g.seen.handled).toEqual(["mid7"]);
      expect(g.seen.skipped).toEqual([]);
      db.close();
    }
    const db = new StateDb(path);
    const g = guard(db, () => {
      throw new Error("must not be handled again");
    });
    g.deliver(poison);
    expect(g.seen.handled).toEqual([]);
    expect(g.seen.skipped).toEqual([["mid7", "crashed"]]);
    expect(db.cursor("room1")).toBe(7);
    // The count ended with the cursor: the next message starts afresh.
    expect(db.beginTry("room1", "mid8")).toBe(1);
    db.close();
  });

  it("a message handled normally leaves no count behind; the bridge's own messages write none", () => {
    const db = new StateDb(dbPath());
    const g = guard(db, () => {});
    g.deliver(stored(1, { name: "clear" }));
    expect(db.beginTry("room1", "mid1")).toBe(1);
    g.deliver(stored(2, { text: "own" }, "bridge"));
    expect(db.beginTry("room1", "mid1")).toBe(1);
    expect(g.seen.handled).toEqual(["mid1", "mid2"]);
    db.close();
  });
});
