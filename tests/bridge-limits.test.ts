import { afterEach, describe, expect, it } from "vitest";
import { BridgeWorld } from "./support/bridge-world.ts";
import { UsageLimit } from "./support/model-scripts/limits.ts";
import { ScriptedModel } from "./support/scripted-model.ts";

let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);

/** The bridge's env as a subscriber's: the CLI shows a plan's usage limits only to a subscriber. */
function asSubscriber(world: BridgeWorld): void {
  const base = world.env.bind(world);
  world.env = () => {
    const { ANTHROPIC_API_KEY: _, ...env } = base();
    return { ...env, CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-scripted" };
  };
}

describe("usage limits", () => {
  it("a usage-limited message waits, survives a bridge restart, continues by itself after the reset, and the message queued behind it runs after it", async () => {
    w = await BridgeWorld.start();
    asSubscriber(w);
    const limit = new UsageLimit(25_000);
    w.model.respond = limit.respond;
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "limits" });

    const first = await s.send("user.message", { text: "first [[recall]]" });
    const waiting = await s.wait("session.status", (b) => b.state === "waiting_limit", 90_000);
    expect(waiting.resetsAt).toBe(limit.resetAt);
    const usage = await s.wait("session.usage");
    expect(usage.limits).toEqual(
      expect.arrayContaining([
        { kind: "five_hour", status: "rejected", resetsAt: limit.resetAt, utilization: 1 },
        expect.objectContaining({ kind: "seven_day", status: "allowed" }),
      ]),
    );
    expect(s.bodies("turn.started").map((t) => t.inputMid)).toEqual([first]);
    expect(s.bodies("turn.result")).toEqual([]); // not spent
    const second = await s.send("user.message", { text: "second" });

    await w.bridge!.kill("SIGTERM");
    const before = s.msgs.length;
    w.startBridge();
    // The new bridge says the input still waits, then continues it when the window resets.
    await s.wait("session.status", (b) => b.state === "waiting_limit" && s.msgs.length > before, 90_000);
    const done1 = await s.wait("turn.result", (t) => t.inputMid === first, 120_000);
    const done2 = await s.wait("turn.result", (t) => t.inputMid === second, 90_000);
    expect([done1.ok, done2.ok]).toEqual([true, true]);

    // Claude saw the first message once, and "continue" after it; the CLI's own limit reply was not shown as an answer.
    const turns = w.model.turns();
    const answered = turns.filter((t) => t.at >= limit.resetAt!);
    expect(answered.length).toBeGreaterThanOrEqual(2);
    expect(
      ScriptedModel.userTexts(answered[0]!.body).filter((t) => t.includes("first [[recall]]")),
    ).toHaveLength(1);
    const texts = s
      .bodies("agent.message")
      .flatMap((m) => m.blocks.map((b) => (b.type === "text" ? b.text : "")));
    expect(texts).toContain("Recalled: first [[recall]] | continue");
    expect(texts).toContain("Echo: second");
    expect(texts.join("\n")).not.toMatch(/hit your/i);

    // Exactly one start and one result per input, the queued one strictly after the first.
    const order = s.msgs
      .filter((m) => m.kind === "turn.started" || m.kind === "turn.result")
      .map((m) => `${m.kind === "turn.started" ? "ts" : "tr"}:${(m.body as { inputMid: string }).inputMid}`);
    expect(order).toEqual([`ts:${first}`, `tr:${first}`, `ts:${second}`, `tr:${second}`]);
    expect(limit.refused).toBeGreaterThanOrEqual(1);
  }, 400_000);
});
