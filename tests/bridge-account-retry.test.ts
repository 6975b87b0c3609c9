import { describe, expect, it } from "vitest";
import { badKey, noAnswer } from "./support/model-scripts/limits.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// Issue 11: a refused key and an API out of reach. The real CLI retries such a call for about
// three minutes before the turn ends (measured with CLI 2.1.330), so the bridge reads its retries:
// the machine's banner names the problem within seconds, and once the API answers again the same
// message runs to its result and the banner clears. Nothing is spent or lost meanwhile.
const world = useBridgeWorld();

describe("the account while Claude Code retries", () => {
  it("a refused key, then no answer, show on the machine within seconds; the message runs once the API answers", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "retries" });
    w.model.respond = badKey;
    const t0 = Date.now();
    const input = await s.send("user.message", { text: "hello through the retries" });
    const refused = await machine.wait("machine.account", (a) => a.problem?.code === "invalid_key", 60_000);
    expect(refused.problem?.text).toContain("authentication_failed (HTTP 401), and it keeps retrying");
    expect(refused.problem?.fix).toContain("ANTHROPIC_API_KEY");
    const refusedMs = Date.now() - t0;

    w.model.respond = noAnswer;
    await machine.wait("machine.account", (a) => a.problem?.code === "unreachable", 60_000);
    expect(s.bodies("turn.result")).toEqual([]);

    w.model.respond = null;
    expect(await s.wait("turn.result", (r) => r.inputMid === input, 120_000)).toMatchObject({ ok: true });
    expect(s.bodies("agent.message").at(-1)?.blocks).toEqual([
      { type: "text", text: "Echo: hello through the retries", truncated: false },
    ]);
    const ok = await machine.wait("machine.account", (a) => a.ok && a.at > refused.at);
    expect(ok.problem).toBeUndefined();
    // The banner came from the first retry, not from the turn's end minutes later.
    expect(refusedMs).toBeLessThan(30_000);
  }, 240_000);
});
