import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CountersRes } from "../bridge/control/control-api.ts";
import { readEvents } from "../bridge/events/event-log.ts";
import type { LifecycleEvent } from "../bridge/events/lifecycle-event.ts";
import { story } from "./support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { restartRelay } from "./support/relay-process.ts";
import { transcript, turn } from "./support/session-turns.ts";
import { runTether, tetherEnv } from "./support/tether-process.ts";

// Issue 17: what the bridge did, in numbers. One session through every lifecycle point, a bridge
// crash in the middle; the event log and the counters must say exactly what happened, once.
let w: BridgeWorld | null = null;
afterAll(() => w?.stop(), 60_000);

/** The session's status messages so far; the next sleep is one more `sleeping` than now. */
function sleeps(s: Phone): number {
  return s.bodies("session.status").filter((x) => x.state === "sleeping").length;
}

async function slept(s: Phone, before: number): Promise<void> {
  await until(() => (sleeps(s) > before ? true : null), 30_000, "the session to sleep");
}

async function counters(world: BridgeWorld): Promise<CountersRes> {
  const r = await runTether(["status", "--json", "--state-dir", world.stateDir], tetherEnv());
  expect(r.stderr).toBe("");
  return CountersRes.parse(JSON.parse(r.stdout).counters);
}

describe("lifecycle events and counters", () => {
  it("resume, fallback, /clear, sleep and wake, prompts answered, timed out and cancelled by a crash, a relay outage: each recorded once", async () => {
    w = await BridgeWorld.start();
    const world = w;
    const flags = ["--idle-sleep", "1s", "--permission-timeout", "4s"];
    world.startBridge(flags);
    const machine = await world.machinePhone();
    const s = await world.createSession(machine, { title: "events" });
    const room = s.client.welcome!.room;

    let n = sleeps(s);
    expect((await turn(s, "first")).ok).toBe(true);
    await slept(s, n);

    // A prompt answered from the phone.
    n = sleeps(s);
    const yes = await s.send("user.message", {
      text: `[[write path=${join(world.project, "yes.txt")} content=y]]`,
    });
    const asked = await s.wait("permission.request");
    await s.send("permission.response", { requestId: asked.requestId, decision: "allow" });
    expect((await s.wait("turn.result", (t) => t.inputMid === yes, 60_000)).ok).toBe(true);
    await slept(s, n);

    // A prompt nobody answers: --permission-timeout denies it.
    n = sleeps(s);
    expect((await turn(s, `[[write path=${join(world.project, "no.txt")} content=n]]`)).ok).toBe(true);
    expect(await s.wait("permission.resolved", (r) => r.by === "timeout")).toMatchObject({
      decision: "deny",
    });
    await slept(s, n);

    // /clear, then the new Claude session's transcript goes missing: a fallback to a fresh start.
    n = sleeps(s);
    await s.send("session.command", { name: "clear" });
    const tr = await s.wait("session.transition");
    await slept(s, n);
    rmSync(transcript(world, tr.toClaudeSessionId), { force: true });
    n = sleeps(s);
    expect((await turn(s, "after the clear")).ok).toBe(true);
    await slept(s, n);

    // A crash with a prompt open and a turn running: the next start settles both, once.
    const open = await s.send("user.message", {
      text: `[[write path=${join(world.project, "x.txt")} content=x]]`,
    });
    const pending = await s.wait(
      "permission.request",
      (r) => r.requestId !== asked.requestId && !resolved(s, r.requestId),
    );
    await world.bridge!.kill("SIGKILL");
    world.startBridge(flags);
    // The restarted bridge tells the phone what happened so far (machine.health, §9.12).
    const health = await machine.wait("machine.health", (h) => h.sinceInstall.bridgeStarts === 2, 60_000);
    expect(health.sessions).toEqual([
      {
        room,
        counts: expect.objectContaining({
          sessionsResumed: 4,
          resumeFallbacks: 1,
          transitions: 1,
          turnsOk: 4,
        }),
        fallbackReasons: ["its transcript is missing"],
      },
    ]);
    expect((await s.wait("turn.result", (t) => t.inputMid === open, 60_000)).subtype).toBe(
      "error_bridge_restarted",
    );
    expect(await s.wait("permission.resolved", (r) => r.requestId === pending.requestId)).toMatchObject({
      by: "cancelled",
    });
    n = sleeps(s);
    expect((await turn(s, "after the crash")).ok).toBe(true);
    await slept(s, n);

    // The relay goes away and comes back: one outage, one reconnect.
    await world.relay.kill("SIGKILL");
    await recorded(world, "relay.down");
    world.relay = await restartRelay(world.relay);
    const up = await recorded(world, "relay.up");
    const again = await world.machinePhone();
    await again.send("machine.end_session", { room });
    await (await world.phone(room)).wait("session.status", (x) => x.state === "ended");

    const c = await counters(world);
    const expected = {
      bridgeStarts: 2,
      sessionsCreated: 1,
      sessionsStarted: 2,
      sessionsResumed: 5,
      "sessionsResumed.sleep": 4,
      "sessionsResumed.restart": 1,
      resumeFallbacks: 1,
      transitions: 1,
      sessionsSlept: 6,
      "sessionsSlept.idle": 6,
      sessionsWoken: 5,
      sessionsEnded: 1,
      turnsOk: 5,
      turnsFailed: 1,
      "turnsFailed.error_bridge_restarted": 1,
      promptsAsked: 3,
      "promptsAsked.tool": 3,
      promptsAnsweredPhone: 1,
      promptsTimedOut: 1,
      promptsCancelled: 1,
      relayOutages: 1,
      relayReconnects: 1,
      relayOutageMs: up.type === "relay.up" ? up.outageMs : -1,
      relayLongestOutageMs: up.type === "relay.up" ? up.outageMs : -1,
    };
    expect(c.sinceInstall).toEqual(expected);
    expect(c.sinceStart).toEqual({
      bridgeStarts: 1,
      sessionsResumed: 1,
      "sessionsResumed.restart": 1,
      sessionsSlept: 1,
      "sessionsSlept.idle": 1,
      sessionsEnded: 1,
      turnsOk: 1,
      turnsFailed: 1,
      "turnsFailed.error_bridge_restarted": 1,
      promptsCancelled: 1,
      relayOutages: 1,
      relayReconnects: 1,
      relayOutageMs: expected.relayOutageMs,
      relayLongestOutageMs: expected.relayOutageMs,
    });
    // Measured by the memory budget: no live process, nothing held.
    expect(c.now).toMatchObject({ sessionsLive: 0, sessionsRegistered: 1, liveClaudeRssBytes: 0 });

    // Stopped cleanly, then read with no bridge running.
    expect(await world.bridge!.kill("SIGTERM")).toBe(0);
    const out = await runTether(
      ["events", "--json", "--state-dir", world.stateDir, "--since", "1h"],
      tetherEnv(),
    );
    expect(out.code).toBe(0);
    const events = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as LifecycleEvent);
    expect(events).toEqual(readEvents(join(world.stateDir, "events")));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(story(events)).toEqual([
      "bridge.started",
      "session.created",
      "session.started",
      "turn.ended success",
      "session.slept idle",
      ...["session.woke", "session.resumed sleep", "prompt.asked tool", "prompt.resolved phone allow"],
      ...["turn.ended success", "session.slept idle"],
      ...["session.woke", "session.resumed sleep", "prompt.asked tool", "prompt.resolved timeout deny"],
      ...["turn.ended success", "session.slept idle"],
      ...["session.woke", "session.resumed sleep", "session.transition", "session.slept idle"],
      ...["session.woke", "session.fallback its transcript is missing", "session.started"],
      ...["turn.ended success", "session.slept idle"],
      ...["session.woke", "session.resumed sleep", "prompt.asked tool"],
      "bridge.started",
      ...["prompt.resolved cancelled deny", "turn.ended error_bridge_restarted"],
      ...["session.resumed restart", "turn.ended success", "session.slept idle"],
      ...["relay.down", "relay.up", "session.ended"],
      "bridge.stopped",
    ]);
    const transition = events.find((e) => e.type === "session.transition");
    expect(transition).toMatchObject({ from: tr.fromClaudeSessionId, to: tr.toClaudeSessionId, room });
    const timed = events.find((e) => e.type === "prompt.resolved" && e.by === "timeout");
    expect(timed?.type === "prompt.resolved" && timed.waitMs).toBeGreaterThanOrEqual(4000);
    const ended = events.filter((e) => e.type === "turn.ended" && e.ok);
    for (const e of ended) if (e.type === "turn.ended") expect(e.firstTokenMs).toBeLessThanOrEqual(e.turnMs);

    const human = await runTether(["events", "--session", room, "--state-dir", world.stateDir], tetherEnv());
    expect(human.stdout).toContain(
      "resumed 5×, fell back once: its transcript is missing, slept 6×, cleared once",
    );
  }, 180_000);
});

/** Waits until the bridge has recorded an event of `type`, and returns it. */
async function recorded(world: BridgeWorld, type: LifecycleEvent["type"]): Promise<LifecycleEvent> {
  const dir = join(world.stateDir, "events");
  return until(() => readEvents(dir).find((e) => e.type === type) ?? null, 60_000, `a ${type} event`);
}

function resolved(s: Phone, requestId: string): boolean {
  return s.bodies("permission.resolved").some((r) => r.requestId === requestId);
}
