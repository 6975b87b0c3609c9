import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeWorld, until } from "./support/bridge-world.ts";

/**
 * Found by the session battery's reasoning about its `on_answer` kills: the bridge records a
 * prompt's answer in two databases (the registry closes the prompt, the outbox queues
 * permission.resolved). A crash between the two writes must not lose the prompt: after the
 * restart it is resolved exactly once. The crash is put exactly there by holding the outbox's
 * write lock while the answer arrives: the bridge blocks in that write (SQLite's busy wait, seen
 * as a nanosleep in /proc) and is SIGKILLed in it.
 */
let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);

describe("a bridge killed while it records a permission answer", () => {
  it("resolves the prompt exactly once after the restart", async () => {
    w = await BridgeWorld.start();
    const bridge = w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "answer-crash" });
    const room = s.client.welcome!.room;
    const input = await s.send("user.message", { text: `[[bash cmd=echo_hi_>>_${w.project}/x.txt]]` });
    const { requestId } = await s.wait("permission.request", () => true, 60_000);

    const outbox = new DatabaseSync(join(w.stateDir, "outbox.db"), { timeout: 5_000 });
    // Nothing of the bridge's left to write: its outbox is empty, its cursor at the room's head.
    await until(() => (settled(outbox, room, s.client.last) ? true : null), 30_000, "the bridge to settle");
    outbox.exec("BEGIN IMMEDIATE");
    try {
      await s.send("permission.response", { requestId, decision: "allow" });
      const pid = bridge.child.pid!;
      await until(() => (blockedInSqlite(pid) ? true : null), 10_000, "the bridge to block on its outbox");
      await bridge.kill("SIGKILL");
    } finally {
      outbox.exec("ROLLBACK");
      outbox.close();
    }

    w.startBridge();
    await s.wait("turn.result", (t) => t.inputMid === input, 60_000);
    const resolved = s.bodies("permission.resolved").filter((r) => r.requestId === requestId);
    expect(resolved, s.describe()).toHaveLength(1);
  }, 180_000);
});

function settled(db: DatabaseSync, room: string, head: number): boolean {
  const queued = db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number };
  const cursor = db.prepare("SELECT seq FROM cursors WHERE room = ?").get(room) as
    | { seq: number }
    | undefined;
  return queued.n === 0 && cursor?.seq === head;
}

/** The main thread sleeps in SQLite's busy handler (an idle bridge waits in epoll instead). */
function blockedInSqlite(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/wchan`, "utf8").includes("nanosleep");
  } catch {
    return false;
  }
}
