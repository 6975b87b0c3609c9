import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Phone, until } from "./support/bridge-world.ts";
import { playHook } from "./support/play-hook.ts";
import { ScriptedModel } from "./support/scripted-model.ts";
import { runnerPid } from "./support/session-turns.ts";
import { runTerminalClaude, type TerminalRun } from "./support/terminal-claude.ts";
import { useHooksWorld } from "./support/use-hooks-world.ts";

/**
 * The phone talking to a `claude` started in a terminal (docs/protocol.md §9.6.2): a message sent
 * while the terminal's Claude works reaches it at its next Stop hook. Real bridge, real CLI, real
 * relay; only the model is scripted.
 */
const world = useHooksWorld();

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

/** The room's origin in the machine's latest session list. */
function listedOrigin(room: string): string | undefined {
  const list = world.machine.bodies("machine.sessions").at(-1)?.sessions ?? [];
  return list.find((x) => x.room === room)?.origin;
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
    // The reply holds at its gate: the phone's message arrives mid-turn.
    const run = terminal("[[slow chunks=6 ms=0 gate=stop-path]]");
    const room = await newRoom(before);
    const s = await w.phone(room);
    await s.wait("session.status", (b) => b.state === "running", 60_000);
    const said = "please also add a changelog entry";
    const mid = await s.send("user.message", { text: said });
    const queued = await s.wait("session.notice", (n) => n.inputMid === mid, 30_000);
    expect(queued).toMatchObject({ code: "queued_for_terminal", level: "info" });
    w.model.open("stop-path");
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

  it("refuses to run a live terminal session a second time: a new room resuming it is refused", async () => {
    const { w, machine } = world;
    const before = known();
    const run = terminal("[[slow chunks=6 ms=0 gate=second-run]]");
    const room = await newRoom(before);
    const s = await w.phone(room);
    const info = await s.wait("session.info", (b) => b.claudeSessionId !== undefined, 60_000);
    await s.wait("session.status", (b) => b.state === "running", 60_000);
    const id = String(info.claudeSessionId);
    const req = await machine.send("machine.create_session", { cwd: w.project, resumeClaudeSessionId: id });
    const refused = await machine.wait("machine.notice", (n) => n.requestMid === req, 30_000);
    expect(refused).toMatchObject({ code: "resume_not_allowed", level: "error" });
    expect(refused.text).toContain("terminal session");
    // The phone's message to the live session waits for the terminal, no bridge process starts it.
    const mid = await s.send("user.message", { text: "not a takeover" });
    expect(await s.wait("session.notice", (n) => n.inputMid === mid, 30_000)).toMatchObject({
      code: "queued_for_terminal",
    });
    w.model.open("second-run");
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    await s.wait("session.notice", (n) => n.inputMid === mid && n.code === "delivered_at_stop", 30_000);
    expect(machine.of("machine.session_created").filter((m) => JSON.stringify(m.body).includes(req))).toEqual(
      [],
    );
  }, 300_000);

  it("continues an ended terminal session in the same room, resumed by the bridge", async () => {
    const { w } = world;
    const before = known();
    const first = "remember the word pelican";
    const done = await terminal(first);
    expect(done.code, done.stderr).toBe(0);
    const room = await newRoom(before);
    const s = await w.phone(room);
    await s.wait("session.status", (b) => b.state === "ended", 60_000);
    const info = await s.wait("session.info", () => true);
    expect(info.origin).toBe("terminal");
    expect(listedOrigin(room)).toBe("terminal");
    const turnsBefore = w.model.turns().length;
    const mid = await s.send("user.message", { text: "what was the word?" });
    expect(await s.wait("session.notice", (n) => n.inputMid === mid, 60_000)).toMatchObject({
      code: "continued_here",
      level: "info",
    });
    const result = await s.wait("turn.result", (b) => b.inputMid === mid, 120_000);
    expect(result.ok).toBe(true);
    // Now run by the bridge: session.info without origin, the same Claude session.
    const latest = s.bodies("session.info").at(-1);
    expect(latest?.origin).toBeUndefined();
    expect(latest?.claudeSessionId).toBe(info.claudeSessionId);
    await until(() => (listedOrigin(room) === undefined ? true : null), 30_000, "listed without origin");
    // The model saw the terminal's conversation (a resume) and then the phone's words.
    const asked = w.model.turns().slice(turnsBefore).at(-1);
    if (!asked) throw new Error("the bridge made no model request");
    const users = ScriptedModel.userTexts(asked.body);
    const at = (t: string) => users.findIndex((u) => u.includes(t));
    expect(at(first)).toBeGreaterThanOrEqual(0);
    expect(at("what was the word?")).toBeGreaterThan(at(first));
    // Every message once, in order: the terminal's turn, then the bridge's.
    const texts = s
      .bodies("agent.message")
      .flatMap((m) => m.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])));
    const echoes = texts.filter((t) => t.startsWith("Echo:"));
    expect(echoes).toEqual([`Echo: ${first}`, "Echo: what was the word?"]);
    const kinds = s.msgs.map((m) => m.kind);
    expect(kinds.filter((k) => k === "turn.started")).toHaveLength(2);
    expect(kinds.filter((k) => k === "turn.result")).toHaveLength(2);

    // The bridge's own Claude process runs the user's hooks too (it reads the user settings): its
    // events, and any event of the session but a terminal's SessionStart resume, never take the
    // room back nor make a room. Played without TETHER_BRIDGE_RUN, as a hook that missed it would.
    const id = String(info.claudeSessionId);
    const own = runnerPid(world.w.stateDir, room);
    const rooms = known();
    await playHook(world.w, id, "UserPromptSubmit", { prompt: "not from a terminal" });
    await playHook(world.w, id, "Stop", { stop_hook_active: false });
    await playHook(world.w, id, "SessionStart", { source: "resume" }, own);
    await playHook(
      world.w,
      `bridge-own-${randomBytes(6).toString("hex")}`,
      "SessionStart",
      { source: "startup" },
      own,
    );
    const still = await s.send("user.message", { text: "still here?" });
    expect((await s.wait("turn.result", (b) => b.inputMid === still, 120_000)).ok).toBe(true);
    expect(s.bodies("session.notice").map((n) => n.code)).not.toContain("resumed_in_terminal");
    expect(runnerPid(world.w.stateDir, room)).toBe(own);
    expect(known()).toEqual(rooms);

    // Back at the desk: the terminal resumes it; the bridge's process stops and the room is the
    // terminal's again, its mirror going on after what the bridge wrote (nothing sent twice).
    const back = "back at the desk";
    const again = await terminal(back, ["--resume", String(info.claudeSessionId)]);
    expect(again.code, again.stderr).toBe(0);
    await s.wait("session.notice", (n) => n.code === "resumed_in_terminal", 60_000);
    await s.wait("turn.started", (b) => b.text === back, 60_000);
    await until(() => (s.bodies("turn.result").length >= 3 ? true : null), 60_000, "a third turn result");
    expect(s.bodies("session.info").at(-1)?.origin).toBe("terminal");
    await until(() => (listedOrigin(room) === "terminal" ? true : null), 30_000, "listed as a terminal's");
    const all = s
      .bodies("agent.message")
      .flatMap((m) => m.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])))
      .filter((t) => t.startsWith("Echo:"));
    expect(all).toEqual([`Echo: ${first}`, "Echo: what was the word?", "Echo: still here?", `Echo: ${back}`]);
    const resumed = ScriptedModel.userTexts(w.model.turns().at(-1)?.body ?? { messages: [] });
    expect(resumed.findIndex((u) => u.includes("what was the word?"))).toBeGreaterThan(-1);
  }, 300_000);

  it("keeps a queued message and a continued session across bridge restarts", async () => {
    const { w, machine } = world;
    const restart = async () => {
      const infos = machine.of("machine.info").length;
      await w.bridge?.kill("SIGTERM");
      w.startBridge();
      await until(
        () => (machine.of("machine.info").length > infos ? true : null),
        60_000,
        "a new machine.info",
      );
    };
    const before = known();
    // Held at its gate until the bridge has restarted: the turn's Stop comes to the new bridge.
    const run = terminal("[[slow chunks=6 ms=0 gate=across-restart]]");
    const room = await newRoom(before);
    const s = await w.phone(room);
    await s.wait("session.status", (b) => b.state === "running", 60_000);
    const said = "queued across a restart";
    const mid = await s.send("user.message", { text: said });
    await s.wait("session.notice", (n) => n.inputMid === mid && n.code === "queued_for_terminal", 30_000);
    await restart();
    w.model.open("across-restart");
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    await s.wait("session.notice", (n) => n.inputMid === mid && n.code === "delivered_at_stop", 30_000);
    expect(timesShown(said)).toBe(1);
    await s.wait("session.status", (b) => b.state === "ended", 60_000);

    const next = await s.send("user.message", { text: "go on from the phone" });
    await s.wait("turn.result", (b) => b.inputMid === next, 120_000);
    await restart();
    // After the restart the bridge still runs it as an ordinary session, resuming the Claude session.
    const third = await s.send("user.message", { text: "and once more" });
    const r = await s.wait("turn.result", (b) => b.inputMid === third, 120_000);
    expect(r.ok).toBe(true);
    expect(timesShown("go on from the phone")).toBe(1);
    expect(timesShown(said)).toBe(1);
    expect(noticeCodes(s, third)).toEqual([]);
    expect(s.bodies("session.info").at(-1)?.origin).toBeUndefined();
  }, 400_000);

  it("prints the block for the CLI, and says so when the turn ended without the handed message", async () => {
    const { w } = world;
    const before = known();
    // `tether hook` run as Claude Code runs it, for a session no CLI runs: the test plays the CLI.
    const id = `played-${randomBytes(6).toString("hex")}`;
    const hook = (event: string, extra: Record<string, unknown> = {}) => playHook(w, id, event, extra);
    await hook("SessionStart", { source: "startup" });
    const room = await newRoom(before);
    const s = await w.phone(room);
    await hook("UserPromptSubmit", { prompt: "hi" });
    const lost = await s.send("user.message", { text: "first words" });
    await s.wait("session.notice", (n) => n.inputMid === lost && n.code === "queued_for_terminal", 30_000);
    const block = JSON.parse(await hook("Stop", { stop_hook_active: false }));
    expect(block).toEqual({ decision: "block", reason: expect.stringContaining("first words") });
    // The CLI never went on with it (as when the answer is lost): the next prompt comes instead.
    await hook("UserPromptSubmit", { prompt: "next" });
    await s.wait("session.notice", (n) => n.inputMid === lost && n.code === "not_delivered", 30_000);

    const kept = await s.send("user.message", { text: "second words" });
    await s.wait("session.notice", (n) => n.inputMid === kept && n.code === "queued_for_terminal", 30_000);
    const again = JSON.parse(await hook("Stop", { stop_hook_active: false }));
    expect(again.reason).toContain("second words");
    expect(again.reason).not.toContain("first words");
    // The continued turn's Stop confirms it; nothing is queued, so that Stop is not blocked.
    expect(await hook("Stop", { stop_hook_active: true })).toBe("");
    await hook("SessionEnd", { reason: "other" });
    await s.wait("session.status", (b) => b.state === "ended", 30_000);
    expect(noticeCodes(s, kept)).toEqual(["queued_for_terminal", "delivered_at_stop"]);
    expect(noticeCodes(s, lost)).toEqual(["queued_for_terminal", "delivered_at_stop", "not_delivered"]);
  }, 300_000);

  it("takes over a session started on the phone when a terminal resumes it: same room, one writer", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { prompt: "started on the phone" });
    const first = await s.wait("turn.result", () => true, 120_000);
    expect(first.ok).toBe(true);
    const info = await s.wait("session.info", (b) => b.claudeSessionId !== undefined, 30_000);
    const id = String(info.claudeSessionId);
    const roomsOf = () =>
      (machine.bodies("machine.sessions").at(-1)?.sessions ?? []).filter((x) => x.claudeSessionId === id);
    const back = "continued at the desk";
    const done = await terminal(back, ["--resume", id]);
    expect(done.code, done.stderr).toBe(0);
    await s.wait("session.notice", (n) => n.code === "resumed_in_terminal", 60_000);
    await s.wait("turn.started", (b) => b.text === back, 60_000);
    await until(() => (s.bodies("turn.result").length >= 2 ? true : null), 60_000, "the terminal's turn");
    expect(s.bodies("session.info").at(-1)?.origin).toBe("terminal");
    await until(() => (roomsOf()[0]?.origin === "terminal" ? true : null), 30_000, "listed as a terminal's");
    // One room for the one transcript, and each reply once, in order.
    expect(roomsOf().map((x) => x.room)).toEqual([s.room]);
    const echoes = s
      .bodies("agent.message")
      .flatMap((m) =>
        m.blocks.flatMap((b) => (b.type === "text" && b.text.startsWith("Echo:") ? [b.text] : [])),
      );
    expect(echoes).toEqual(["Echo: started on the phone", `Echo: ${back}`]);
    // The terminal resumed the phone's conversation: the model saw the phone's words first.
    const users = ScriptedModel.userTexts(w.model.turns().at(-1)?.body ?? { messages: [] });
    expect(users.findIndex((u) => u.includes("started on the phone"))).toBeGreaterThan(-1);
    expect(users.findIndex((u) => u.includes(back))).toBeGreaterThan(
      users.findIndex((u) => u.includes("started on the phone")),
    );
  }, 300_000);
});
