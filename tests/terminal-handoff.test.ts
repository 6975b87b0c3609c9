import { beforeAll, describe, expect, it } from "vitest";
import { type Phone, until } from "./support/bridge-world.ts";
import { ScriptedModel } from "./support/scripted-model.ts";
import { runTerminalClaude, type TerminalRun } from "./support/terminal-claude.ts";
import { runTether } from "./support/tether-process.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

/**
 * The phone talking to a `claude` started in a terminal (docs/protocol.md §9.6.2): a message sent
 * while the terminal's Claude works reaches it at its next Stop hook. Real bridge, real CLI, real
 * relay; only the model is scripted.
 */
const world = useBridgeWorld();

beforeAll(async () => {
  const { w } = world;
  const r = await runTether(
    ["hooks", "install", "--config-dir", w.claudeConfig, "--state-dir", w.stateDir, "--json"],
    w.env(),
  );
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

function terminal(prompt: string, extra: string[] = []): Promise<TerminalRun> {
  const { w } = world;
  return runTerminalClaude({ cwd: w.project, env: w.env(), prompt, extra });
}

function known(): Set<string> {
  return new Set(world.machine.bodies("machine.sessions").flatMap((b) => b.sessions.map((s) => s.room)));
}

/** The session room of the first listed session that `before` does not hold. */
async function newRoom(before: Set<string>): Promise<string> {
  const listed = await world.machine.wait(
    "machine.sessions",
    (b) => b.sessions.some((s) => !before.has(s.room)),
    90_000,
  );
  const s = listed.sessions.find((x) => !before.has(x.room));
  if (!s) throw new Error("unreachable");
  return s.room;
}

function noticeCodes(s: Phone, inputMid: string): string[] {
  return s
    .bodies("session.notice")
    .filter((n) => n.inputMid === inputMid)
    .map((n) => n.code);
}

/** How many user messages of the model's last conversation request hold `text`. */
function timesShown(text: string): number {
  const last = world.w.model.turns().at(-1);
  if (!last) return 0;
  return ScriptedModel.userTexts(last.body).filter((t) => t.includes(text)).length;
}

describe("the phone's messages to a terminal session", () => {
  it("reaches the terminal's Claude at its next Stop, once, and says which path it took", async () => {
    const { w } = world;
    const before = known();
    // About 12 s of streamed reply: the phone's message arrives mid-turn.
    const run = terminal("[[slow chunks=60 ms=200]]");
    const room = await newRoom(before);
    const s = await w.phone(room);
    await s.wait("session.status", (b) => b.state === "running", 60_000);
    const said = "please also add a changelog entry";
    const mid = await s.send("user.message", { text: said });
    const queued = await s.wait("session.notice", (n) => n.inputMid === mid, 30_000);
    expect(queued).toMatchObject({ code: "queued_for_terminal", level: "info" });
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    const delivered = await s.wait(
      "session.notice",
      (n) => n.inputMid === mid && n.code === "delivered_at_stop",
      30_000,
    );
    expect(delivered.level).toBe("info");
    // The model got the phone's words as the next instruction of the same run, once.
    expect(timesShown(said)).toBe(1);
    const result = done.lines.find((l) => l.json.type === "result");
    expect(String(result?.json.result)).toContain(said);
    await until(() => (s.bodies("turn.result").length > 0 ? true : null), 30_000, "the turn's result");
    expect(noticeCodes(s, mid)).toEqual(["queued_for_terminal", "delivered_at_stop"]);
  }, 300_000);
});
