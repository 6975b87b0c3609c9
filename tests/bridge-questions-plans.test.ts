import { describe, expect, it } from "vitest";
import { bridgeStatus, eventsOf, grown, story } from "./support/bridge-numbers.ts";
import { until } from "./support/bridge-world.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// Issue 11, at the wire: questions and plans are never granted for the session, a plan cannot be
// approved into plan mode, and the session's mode follows the CLI's own (it leaves plan mode when
// a plan is approved). The real CLI through the real bridge and relay; only the model is scripted.
const world = useBridgeWorld();

describe("questions", () => {
  it("offer no session grant, and an answer with remember grants nothing: the next question asks again", async () => {
    const { w, machine } = world;
    const before = (await bridgeStatus(w)).counters?.sinceStart ?? {};
    const s = await w.createSession(machine, { title: "remember" });
    const first = await s.send("user.message", { text: "[[question q=Which_color?]]" });
    const req = await s.wait("permission.request", (r) => r.toolName === "AskUserQuestion");
    expect(req.kind).toBe("question");
    expect(req.sessionGrant).toBeUndefined();
    const updatedInput = { ...(req.input as Record<string, unknown>), answers: { "Which color?": "green" } };
    await s.send("permission.response", {
      requestId: req.requestId,
      decision: "allow",
      remember: true,
      updatedInput,
    });
    const resolved = await s.wait("permission.resolved", (r) => r.requestId === req.requestId);
    expect(resolved.decision).toBe("allow");
    expect(resolved.granted).toBeUndefined();
    expect((await s.wait("turn.result", (t) => t.inputMid === first)).ok).toBe(true);
    expect(s.bodies("session.info").some((i) => i.grants !== undefined)).toBe(false);

    const second = await s.send("user.message", { text: "[[question q=Which_color?]]" });
    const again = await s.wait("permission.request", (r) => r.requestId !== req.requestId);
    await s.send("permission.response", { requestId: again.requestId, decision: "deny", message: "later" });
    expect((await s.wait("turn.result", (t) => t.inputMid === second)).ok).toBe(true);

    // Both answered from the phone, allowed or not: two questions answered (docs/events.md).
    expect(story(eventsOf(w, s.room))).toEqual([
      ...["session.created", "session.started", "prompt.asked question", "prompt.resolved phone allow"],
      ...["turn.ended success", "prompt.asked question", "prompt.resolved phone deny", "turn.ended success"],
    ]);
    expect(grown(before, (await bridgeStatus(w)).counters?.sinceStart ?? {})).toEqual({
      sessionsCreated: 1,
      sessionsStarted: 1,
      promptsAsked: 2,
      "promptsAsked.question": 2,
      promptsAnsweredPhone: 2,
      questionsAnswered: 2,
      turnsOk: 2,
    });
  });
});

describe("plans", () => {
  it("cannot be approved into plan mode; approved without a mode, the session follows the CLI out of plan mode", async () => {
    const { w, machine } = world;
    const before = (await bridgeStatus(w)).counters?.sinceStart ?? {};
    const s = await w.createSession(machine, { title: "plan" });
    await s.send("session.command", { name: "set_permission_mode", value: "plan" });
    await s.wait("session.info", (i) => i.permissionMode === "plan");
    const input = await s.send("user.message", { text: "[[plan]]" });
    const req = await s.wait("permission.request", (r) => r.toolName === "ExitPlanMode");
    expect(req).toMatchObject({ kind: "plan", input: { plan: expect.stringContaining("# Plan: greet") } });
    expect(req.sessionGrant).toBeUndefined();

    await s.send("permission.response", { requestId: req.requestId, decision: "allow", mode: "plan" });
    await s.wait("session.notice", (n) => n.code === "bad_response" && n.requestId === req.requestId);
    expect(s.of("permission.resolved")).toHaveLength(0);

    // No mode chosen: Claude Code returns to the mode before planning and says so; the record follows.
    const infos = s.of("session.info").length;
    await s.send("permission.response", { requestId: req.requestId, decision: "allow", remember: true });
    const resolved = await s.wait("permission.resolved", (r) => r.requestId === req.requestId);
    expect(resolved).toEqual({ requestId: req.requestId, decision: "allow", by: s.cid });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(true);
    await until(
      () =>
        s
          .bodies("session.info")
          .slice(infos)
          .find((i) => i.permissionMode === "default") ?? null,
      30_000,
      () => `a session.info back in default mode (${s.describe()})`,
    );

    // The refused answer settled nothing: one plan asked, one answered.
    expect(story(eventsOf(w, s.room))).toEqual([
      ...["session.created", "session.started", "prompt.asked plan", "prompt.resolved phone allow"],
      "turn.ended success",
    ]);
    expect(grown(before, (await bridgeStatus(w)).counters?.sinceStart ?? {})).toEqual({
      sessionsCreated: 1,
      sessionsStarted: 1,
      promptsAsked: 1,
      "promptsAsked.plan": 1,
      promptsAnsweredPhone: 1,
      plansAnswered: 1,
      turnsOk: 1,
    });
  });
});
