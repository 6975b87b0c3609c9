import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CountersRes } from "../bridge/control/control-api.ts";
import { readEvents } from "../bridge/events/event-log.ts";
import type { LifecycleEvent } from "../bridge/events/lifecycle-event.ts";
import { story } from "./support/bridge-numbers.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { restartRelay } from "./support/relay-process.ts";
import { runnerPid, transcript, turn } from "./support/session-turns.ts";
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
    // machine.health after events within a second rather than a minute (bridge/README.md).
    const env = world.env.bind(world);
    world.env = () => ({ ...env(), TETHER_HEALTH_EVERY_MS: "1000" });
    world.startBridge(flags);
    const machine = await world.machinePhone();
    const s = await world.createSession(machine, { title: "events" });
    const room = s.client.welcome!.room;

    let n = sleeps(s);
    expect((await turn(s, "first")).ok).toBe(true);
    await slept(s, n);
    // Published again after those events, with them counted (and nothing happens meanwhile).
    const after = await machine.wait("machine.health", (h) => h.sinceStart.sessionsSlept === 1, 10_000);
    expect(after.sinceStart).toEqual({
      bridgeStarts: 1,
      sessionsCreated: 1,
      sessionsStarted: 1,
      turnsOk: 1,
      sessionsSlept: 1,
      "sessionsSlept.idle": 1,
      // The relay's push totals for the machine, read at start: nothing is subscribed here.
      pushesSent: 0,
      pushesFailed: 0,
      pushesRetried: 0,
    });
    // A session's own counts are the machine's, but for the bridge's starts and the relay's pushes.
    const {
      bridgeStarts: _,
      pushesSent: _s,
      pushesFailed: _f,
      pushesRetried: _r,
      ...own
    } = after.sinceInstall;
    expect(after.sessions).toEqual([{ room, counts: own, fallbackReasons: [] }]);

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

    // The Claude process dies mid-turn: the turn fails, the session shows the error, and the next
    // message resumes the same Claude session.
    const requests = world.model.turns().length;
    const dying = await s.send("user.message", { text: "[[slow chunks=100 ms=100]]" });
    await s.wait("turn.started", (t) => t.inputMid === dying, 60_000);
    await until(() => (world.model.turns().length > requests ? true : null), 30_000, "the model request");
    process.kill(runnerPid(world.stateDir, room), "SIGKILL");
    expect(await s.wait("turn.result", (t) => t.inputMid === dying, 60_000)).toMatchObject({
      ok: false,
      subtype: "error_process_exited",
    });
    await s.wait("session.status", (x) => x.state === "error");
    n = sleeps(s);
    expect((await turn(s, "after the error")).ok).toBe(true);
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
      sessionsResumed: 7,
      "sessionsResumed.sleep": 5,
      "sessionsResumed.restart": 1,
      "sessionsResumed.exit": 1,
      resumeFallbacks: 1,
      transitions: 1,
      sessionsSlept: 7,
      "sessionsSlept.idle": 7,
      sessionsWoken: 6,
      sessionsEnded: 1,
      sessionErrors: 1,
      turnsOk: 6,
      turnsFailed: 2,
      "turnsFailed.error_bridge_restarted": 1,
      "turnsFailed.error_process_exited": 1,
      promptsAsked: 3,
      "promptsAsked.tool": 3,
      promptsAnsweredPhone: 1,
      promptsTimedOut: 1,
      promptsCancelled: 1,
      relayOutages: 1,
      relayReconnects: 1,
      relayOutageMs: up.type === "relay.up" ? up.outageMs : -1,
      relayLongestOutageMs: up.type === "relay.up" ? up.outageMs : -1,
      // The relay's push totals for the machine: nothing was subscribed in this world.
      pushesSent: 0,
      pushesFailed: 0,
      pushesRetried: 0,
    };
    expect(c.sinceInstall).toEqual(expected);
    expect(c.sinceStart).toEqual({
      bridgeStarts: 1,
      sessionsResumed: 3,
      "sessionsResumed.restart": 1,
      "sessionsResumed.sleep": 1,
      "sessionsResumed.exit": 1,
      sessionsSlept: 2,
      "sessionsSlept.idle": 2,
      sessionsWoken: 1,
      sessionsEnded: 1,
      sessionErrors: 1,
      turnsOk: 2,
      turnsFailed: 2,
      "turnsFailed.error_bridge_restarted": 1,
      "turnsFailed.error_process_exited": 1,
      promptsCancelled: 1,
      relayOutages: 1,
      relayReconnects: 1,
      relayOutageMs: expected.relayOutageMs,
      relayLongestOutageMs: expected.relayOutageMs,
      pushesSent: 0,
      pushesFailed: 0,
      pushesRetried: 0,
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
      ...["session.woke", "session.resumed sleep", "turn.ended error_process_exited", "session.error"],
      ...["session.resumed exit", "turn.ended success", "session.slept idle"],
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
      "resumed 7×, fell back once: its transcript is missing, slept 7×, cleared once, 1 error",
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
