import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeWorld, type Phone } from "./support/bridge-world.ts";

// Caps on what controllers can make the bridge hold, set low here (defaults: 20 and 50).
let w: BridgeWorld;
let machine: Phone;

beforeAll(async () => {
  w = await BridgeWorld.start();
  w.startBridge(["--max-sessions", "2", "--max-queued", "2"]);
  machine = await w.machinePhone();
}, 90_000);
afterAll(() => w?.stop(), 60_000);

describe("caps", () => {
  it("queues at most --max-queued inputs per session; the next message gets too_many_inputs and never runs", async () => {
    const s = await w.createSession(machine, { title: "queue" });
    const long = await s.send("user.message", { text: "[[slow chunks=150 ms=40]]" });
    await s.wait("turn.started", (t) => t.inputMid === long, 60_000);
    const queued = [
      await s.send("user.message", { text: "one" }),
      await s.send("user.message", { text: "two" }),
    ];
    const extra = await s.send("user.message", { text: "three" });
    const notice = await s.wait("session.notice", (n) => n.inputMid === extra, 60_000);
    expect(notice).toMatchObject({ level: "warn", code: "too_many_inputs" });
    for (const mid of [long, ...queued])
      expect((await s.wait("turn.result", (t) => t.inputMid === mid, 90_000)).ok).toBe(true);
    expect(s.bodies("turn.started").some((t) => t.inputMid === extra)).toBe(false);
    // With the queue drained, a message runs again.
    const later = await s.send("user.message", { text: "four" });
    expect((await s.wait("turn.result", (t) => t.inputMid === later, 60_000)).ok).toBe(true);
  }, 240_000);

  it("holds at most --max-sessions sessions not ended; ending one makes room", async () => {
    // The first test's session is one of the two.
    const second = await machine.send("machine.create_session", { cwd: w.project, title: "second" });
    const made = await machine.wait("machine.session_created", (c) => c.requestMid === second, 60_000);
    const third = await machine.send("machine.create_session", { cwd: w.project, title: "third" });
    expect(await machine.wait("machine.notice", (n) => n.requestMid === third)).toMatchObject({
      level: "error",
      code: "too_many_sessions",
    });
    expect(machine.bodies("machine.session_created").some((c) => c.requestMid === third)).toBe(false);
    await machine.send("machine.end_session", { room: made.room });
    await machine.wait("machine.sessions", (l) =>
      l.sessions.some((x) => x.room === made.room && x.state === "ended"),
    );
    const fourth = await machine.send("machine.create_session", { cwd: w.project, title: "fourth" });
    await machine.wait("machine.session_created", (c) => c.requestMid === fourth, 60_000);
  }, 180_000);
});
