import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TerminalStore } from "./terminal-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(dir = mkdtempSync(join(tmpdir(), "tether-inbox-"))): { s: TerminalStore; dir: string } {
  dirs.push(dir);
  return { s: new TerminalStore(join(dir, "sessions.db")), dir };
}

describe("the terminal inbox", () => {
  it("queues by mid once, takes in order within a budget, and never gives a message twice", () => {
    const { s, dir } = store();
    expect(s.inbox.queue("s-a", "m1", "first")).toBe(true);
    expect(s.inbox.queue("s-a", "m2", "second")).toBe(true);
    expect(s.inbox.queue("s-a", "m1", "first again")).toBe(false);
    expect(s.inbox.queue("s-b", "m3", "other room")).toBe(true);
    s.inbox.queue("s-a", "m4", "x".repeat(100));
    expect(s.inbox.take("s-a", 20).map((m) => m.mid)).toEqual(["m1", "m2"]);
    s.close();
    // A new process: what was taken stays taken; the rest still waits, in order.
    const again = store(dir).s;
    expect(again.inbox.waiting("s-a").map((m) => m.mid)).toEqual(["m4"]);
    expect(again.inbox.take("s-a", 10).map((m) => m.text.length)).toEqual([100]);
    expect(again.inbox.take("s-a", 10)).toEqual([]);
    expect(again.inbox.queue("s-a", "m2", "replayed")).toBe(false);
    expect(again.inbox.waiting("s-b").map((m) => m.text)).toEqual(["other room"]);
    again.close();
  });

  it("marks a room handed off and back, moving the cursor only when asked", () => {
    const { s } = store();
    s.add("claude-1", "s-a");
    s.setHandedOff("s-a", true);
    expect(s.byRoom("s-a")).toMatchObject({ handedOff: true, cursor: 0 });
    expect(s.handedOff().map((t) => t.room)).toEqual(["s-a"]);
    s.setHandedOff("s-a", false, 4096);
    expect(s.byRoom("s-a")).toMatchObject({ handedOff: false, cursor: 4096 });
    expect(s.handedOff()).toEqual([]);
    s.close();
  });

  it("keeps a terminal's Claude pid until it is cleared, and lists only rows not handed off", () => {
    const { s, dir } = store();
    s.add("claude-1", "s-a");
    s.add("claude-2", "s-b");
    expect(s.byRoom("s-a")?.claudePid).toBeNull();
    s.setPid("s-a", 1234, "98765");
    s.setPid("s-b", 5678);
    s.setHandedOff("s-b", true);
    s.close();
    const again = store(dir).s;
    expect(again.withPid().map((t) => [t.room, t.claudePid, t.claudeStarted])).toEqual([
      ["s-a", 1234, "98765"],
    ]);
    again.setPid("s-a", null);
    expect(again.withPid()).toEqual([]);
    again.close();
  });
});
