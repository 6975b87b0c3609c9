import { afterEach, describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { bridgeStatus, eventsOf } from "./support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { ScriptedModel } from "./support/scripted-model.ts";

let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);

const MiB = 1024 ** 2;
/**
 * A bit over one Claude CLI: here one holds ~190-225 MiB after a turn (~40 MiB at spawn), so one
 * live process fits and any two exceed it.
 */
const BUDGET_MIB = 300;

async function turn(s: Phone, text: string): Promise<BodyOf<"turn.result">> {
  const mid = await s.send("user.message", { text });
  return s.wait("turn.result", (t) => t.inputMid === mid, 60_000);
}

function sleptForMemory(s: Phone): Promise<BodyOf<"session.notice">> {
  return s.wait("session.notice", (n) => n.code === "slept_for_memory", 60_000);
}

describe("the live-memory budget", () => {
  it("over --max-live-memory the least recently used idle session sleeps, a running turn never does, and the next message resumes the slept one", async () => {
    w = await BridgeWorld.start();
    w.startBridge(["--max-live-memory", `${BUDGET_MIB}M`]);
    const machine = await w.machinePhone();
    // Said at start, before the machine room opens.
    expect(w.bridge!.output).toContain("live Claude processes may hold 300 MiB together");
    const a = await w.createSession(machine, { title: "a" });
    expect((await turn(a, "alpha-marker")).ok).toBe(true);
    const b = await w.createSession(machine, { title: "b" });
    expect((await turn(b, "beta")).ok).toBe(true);
    // a (idle, ~200 MiB) and b's process about to start (counted at 200 MiB) exceed the budget:
    // a sleeps before b's process starts, not after both are measured.
    const aNotice = await sleptForMemory(a);
    expect(aNotice.level).toBe("info");
    expect(aNotice.text).toContain("one about to start (about 200 MiB)");
    await a.wait("session.status", (x) => x.state === "sleeping");

    // c runs a long turn: b (idle) sleeps for it; c, running, never does.
    const c = await w.createSession(machine, { title: "c" });
    // Held at its gate until the checks below are done: c is running all along.
    const long = await c.send("user.message", { text: "[[slow chunks=6 ms=0 gate=c-long]]" });
    await c.wait("turn.started", (t) => t.inputMid === long, 60_000);
    const bNotice = await sleptForMemory(b);
    expect(bNotice.text).toContain("300 MiB");

    // The next message to a resumes it, with its context, while c's turn still runs.
    expect((await turn(a, "what came first?")).ok).toBe(true);
    // The request that carried the question also carried a's first words: resumed, not fresh.
    const asked = w.model
      .turns()
      .map((t) => ScriptedModel.userTexts(t.body).join("\n"))
      .filter((t) => t.includes("what came first?"));
    expect(asked.at(-1)).toContain("alpha-marker");
    expect(c.bodies("turn.result").some((t) => t.inputMid === long)).toBe(false);

    const s = await bridgeStatus(w);
    expect(s.memory?.budget).toBe(BUDGET_MIB * MiB);
    expect(s.memory?.liveRss).toBeGreaterThan(0);
    expect(s.memory?.slept.map((x) => x.room).slice(0, 2)).toEqual([a.room, b.room]);
    expect(s.memory?.slept.slice(0, 2).map((x) => x.starting)).toEqual([200 * MiB, 200 * MiB]);
    for (const x of s.memory?.slept ?? []) expect(x.total).toBeGreaterThan(x.budget);
    expect(s.counters?.now.liveClaudeBudgetBytes).toBe(BUDGET_MIB * MiB);

    // c's turn ran to its end: nothing slept it while it ran.
    w.model.open("c-long");
    const result = await c.wait("turn.result", (t) => t.inputMid === long, 90_000);
    expect(result.ok).toBe(true);
    const resultSeq = c
      .of("turn.result")
      .find((m) => (m.body as { inputMid?: string }).inputMid === long)!.seq;
    const early = c.of("session.notice").filter((m) => m.seq < resultSeq);
    expect(early.map((m) => (m.body as { code?: string }).code)).not.toContain("slept_for_memory");

    // Each sleep for memory is one session.slept{why:"memory"} in the log, counted once, listed
    // by the status and told to its room once. Read between two equal counts: nothing slept meanwhile.
    const { count, all, slept, listed } = await until(
      async () => {
        const first = (await bridgeStatus(w!)).counters?.sinceStart["sessionsSlept.memory"];
        const events = eventsOf(w!).flatMap((e) =>
          e.type === "session.slept" && e.why === "memory" ? [e] : [],
        );
        const then = await bridgeStatus(w!);
        const count = then.counters?.sinceStart["sessionsSlept.memory"];
        const all = then.counters?.sinceStart.sessionsSlept;
        return count === first ? { count, all, slept: events, listed: then.memory?.slept ?? [] } : null;
      },
      30_000,
      "the memory sleeps to settle",
    );
    expect(slept.length).toBeGreaterThanOrEqual(2);
    expect(count).toBe(slept.length);
    expect(all).toBe(count); // no other sleeps in this run
    expect(listed.map((x) => x.room)).toEqual(slept.map((e) => e.room));
    for (const phone of [a, b, c]) {
      const mine = slept.filter((e) => e.room === phone.room).length;
      const told = () => phone.bodies("session.notice").filter((n) => n.code === "slept_for_memory").length;
      await until(() => (told() >= mine ? true : null), 30_000, `the notices of ${phone.room}`);
      expect(told()).toBe(mine);
    }
  }, 180_000);
});
