import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bridgeStatus, eventsOf, story } from "./support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { useOneRelay } from "./support/one-relay.ts";
import { restartRelay } from "./support/relay-process.ts";
import { ScriptedModel } from "./support/scripted-model.ts";
import { transcript, turn } from "./support/session-turns.ts";

let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);

/** Each test but the relay's own outage is a new machine on the file's one relay. */
const newMachine = useOneRelay();

/** Every stored message of the room once, in seq order, and exactly one start and result per input. */
function expectCleanRoom(s: Phone): void {
  const seqs = s.msgs.map((m) => m.seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  expect(new Set(s.msgs.map((m) => m.mid)).size).toBe(s.msgs.length);
  for (const input of s.of("user.message")) {
    expect(s.bodies("turn.started").filter((t) => t.inputMid === input.mid)).toHaveLength(1);
    expect(s.bodies("turn.result").filter((t) => t.inputMid === input.mid)).toHaveLength(1);
  }
}

describe("bridge crash and restart", () => {
  it("SIGKILL mid-turn with a non-empty outbox: listed again, resumes the same conversation, nothing lost or doubled", async () => {
    w = await newMachine();
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "crash" });
    expect((await turn(s, "remember crash-marker-7")).ok).toBe(true);
    const info = await s.wait("session.info", (i) => i.claudeSessionId !== undefined);

    const slow = await s.send("user.message", { text: "[[slow chunks=60 ms=20]]" });
    await s.wait("turn.started", (t) => t.inputMid === slow);
    process.kill(-w.relay.pid, "SIGSTOP"); // acks stop: the bridge's outbox fills up
    await finished(w, slow); // Claude finished the turn into the outbox while nothing was acknowledged
    await w.bridge!.kill("SIGKILL");
    process.kill(-w.relay.pid, "SIGCONT");
    w.startBridge();

    const listed = await machine.wait("machine.sessions", (l) =>
      l.sessions.some((x) => x.claudeSessionId === info.claudeSessionId),
    );
    expect(listed.sessions.length).toBeGreaterThan(0);
    await s.wait("turn.result", (t) => t.inputMid === slow, 60_000);
    expect((await turn(s, "what was the marker?")).ok).toBe(true);
    const shown = ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n");
    expect(shown).toContain("crash-marker-7");
    expect((await s.wait("session.info", (i) => i.claudeSessionId !== undefined)).claudeSessionId).toBe(
      info.claudeSessionId,
    );
    expectCleanRoom(s);
  });

  it("a second bridge on the same state fences the first, which exits with a clear message", async () => {
    w = await newMachine();
    const first = w.startBridge();
    const machine = await w.machinePhone();
    await machine.wait("machine.info");
    const second = w.startBridge();
    expect(await first.exited).toBe(3);
    expect(first.output).toContain("Another, newer bridge process took over");
    await machine.wait("machine.info", (i) => i !== machine.bodies("machine.info")[0]);
    expect(second.child.exitCode).toBeNull();
  });

  it("a Claude CLI left running by a SIGKILLed bridge is stopped at the next start", async () => {
    w = await newMachine();
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "leftover" });
    const slow = await s.send("user.message", { text: "[[slow chunks=3000 ms=25]]" });
    await s.wait("turn.started", (t) => t.inputMid === slow);
    const pgid = w.bridge!.child.pid!;
    const cli = await until(
      () => groupMembers(pgid).find((m) => m.includes("claude")) ?? null,
      30_000,
      "the CLI",
    );
    await w.bridge!.kill("SIGKILL", true);
    expect(groupMembers(pgid)).toContain(cli); // the crash left it running
    w.startBridge();
    await until(
      () => (groupMembers(pgid).length === 0 ? true : null),
      30_000,
      "the leftover CLI to be stopped",
    );
    expect((await s.wait("turn.result", (t) => t.inputMid === slow)).subtype).toBe("error_bridge_restarted");
  });

  it("killed after a session ended but before its turn did: the next start still answers that turn", async () => {
    w = await newMachine();
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "ended-mid-turn" });
    const slow = await s.send("user.message", { text: "[[slow chunks=3000 ms=25]]" });
    await s.wait("turn.started", (t) => t.inputMid === slow);
    await machine.send("machine.end_session", { room: s.client.welcome!.room });
    await s.wait("session.status", (x) => x.state === "ended");
    // Only the bridge: the exit of its CLI is never seen, so the turn stays open in the registry.
    await w.bridge!.kill("SIGKILL", true);
    w.startBridge();
    const done = await s.wait("turn.result", (t) => t.inputMid === slow, 60_000);
    expect(done.subtype).toBe("error_bridge_restarted");
    expect(s.bodies("session.status").at(-1)?.state).toBe("ended");
    expectCleanRoom(s);
  });

  it("a missing transcript: resume_failed_started_fresh and the message is still answered", async () => {
    w = await newMachine();
    w.startBridge(["--idle-sleep", "1s"]);
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "fresh" });
    expect((await turn(s, "first")).ok).toBe(true);
    const { claudeSessionId } = await s.wait("session.info", (i) => i.claudeSessionId !== undefined);
    await s.wait("session.status", (x) => x.state === "sleeping");
    rmSync(transcript(w, claudeSessionId!));
    const mid = await s.send("user.message", { text: "are you there?" });
    const notice = await s.wait("session.notice");
    expect(notice).toMatchObject({ code: "resume_failed_started_fresh", inputMid: mid });
    expect((await s.wait("turn.result", (t) => t.inputMid === mid, 60_000)).ok).toBe(true);
    expect(ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n")).toContain("are you there?");
  });
});

describe("the relay goes away", () => {
  it("while Claude keeps producing output: afterwards the room holds every event once, in order", async () => {
    w = await BridgeWorld.start();
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "offline" });
    const before = w.model.turns().length;
    const mid = await s.send("user.message", { text: "[[slow chunks=80 ms=25]]" });
    await s.wait("turn.started");
    await until(() => (w!.model.turns().length > before ? true : null), 30_000, "the model request");
    await w.relay.kill("SIGKILL");
    await finished(w, mid); // Claude finishes the answer while the relay is down
    w.relay = await restartRelay(w.relay);
    const fresh = await w.phone(s.client.welcome!.room);
    await fresh.wait("turn.result", (t) => t.inputMid === mid, 60_000);
    expectCleanRoom(fresh);
    const kinds = fresh.msgs.map((m) => m.kind).filter((k) => k.startsWith("turn.") || k === "agent.message");
    expect(kinds[0]).toBe("turn.started");
    expect(kinds.at(-1)).toBe("turn.result");
    expect(
      fresh
        .bodies("agent.message")
        .flatMap((a) => a.blocks)
        .map((b) => (b.type === "text" ? b.text : ""))
        .join(""),
    ).toContain("w0 w1 w2");
  });
});

describe("resources", () => {
  it("idle sleep and the live-process cap: a sleeping session wakes with its context; no orphans on exit", async () => {
    w = await newMachine();
    w.startBridge(["--max-live", "1"]);
    const machine = await w.machinePhone();
    const a = await w.createSession(machine, { title: "a" });
    expect((await turn(a, "alpha-marker")).ok).toBe(true);
    const b = await w.createSession(machine, { title: "b" });
    expect((await turn(b, "beta")).ok).toBe(true);
    await a.wait("session.status", (x) => x.state === "sleeping");
    // Told why, as a session slept for memory is.
    const capped = await a.wait("session.notice", (n) => n.code === "slept_for_cap");
    expect(capped).toMatchObject({ level: "info", text: expect.stringContaining("--max-live") });
    expect((await turn(a, "what came first?")).ok).toBe(true);
    expect(ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n")).toContain("alpha-marker");
    await b.wait("session.status", (x) => x.state === "sleeping");
    await b.wait("session.notice", (n) => n.code === "slept_for_cap");

    // Listed by `tether status`, counted and logged as sleeps for the cap: two, no more.
    const status = await bridgeStatus(w);
    expect(status.cap).toEqual({
      maxLive: 1,
      slept: [
        { room: a.room, at: expect.any(Number) },
        { room: b.room, at: expect.any(Number) },
      ],
    });
    expect(status.counters?.sinceStart).toMatchObject({
      sessionsSlept: 2,
      "sessionsSlept.cap": 2,
      sessionsWoken: 1,
      "sessionsResumed.sleep": 1,
    });
    expect(story(eventsOf(w, a.room))).toEqual([
      ...["session.created", "session.started", "turn.ended success", "session.slept cap"],
      ...["session.woke", "session.resumed sleep", "turn.ended success"],
    ]);
    expect(story(eventsOf(w, b.room))).toEqual([
      ...["session.created", "session.started", "turn.ended success", "session.slept cap"],
    ]);
    expect(a.bodies("session.notice").filter((n) => n.code === "slept_for_cap")).toHaveLength(1);

    const pgid = w.bridge!.child.pid!;
    expect(await w.bridge!.kill("SIGTERM")).toBe(0);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it("--idle-sleep lets an idle process go and the next message resumes it; --permission-timeout denies", async () => {
    w = await newMachine();
    w.startBridge(["--idle-sleep", "1s", "--permission-timeout", "1s"]);
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "sleepy" });
    expect((await turn(s, "gamma-marker")).ok).toBe(true);
    await s.wait("session.status", (x) => x.state === "sleeping");
    expect((await turn(s, "again")).ok).toBe(true);
    expect(ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n")).toContain("gamma-marker");

    const unanswered = join(w.project, "unanswered.txt");
    expect((await turn(s, `[[write path=${unanswered} content=x]]`)).ok).toBe(true);
    expect(await s.wait("permission.resolved")).toMatchObject({
      by: "timeout",
      decision: "deny",
    });
    expect(existsSync(unanswered)).toBe(false);
  });
});

/** The bridge logged the end of the turn started by `inputMid` (its outbox holds the turn.result). */
async function finished(world: BridgeWorld, inputMid: string): Promise<void> {
  await until(
    () => (world.bridge!.output.includes(`"inputMid":"${inputMid}"`) ? true : null),
    60_000,
    "the turn to finish",
  );
}

/** Processes still in a process group (the bridge and every Claude CLI it started). */
function groupMembers(pgid: number): string[] {
  const out = execFileSync("ps", ["-eo", "pgid=,pid=,comm="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[0]) === pgid)
    .map((f) => f.slice(1).join(" "));
}
