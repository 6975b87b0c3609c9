import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bridgeStatus, eventsOf, grown, story } from "./support/bridge-numbers.ts";
import { type BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { playHook } from "./support/play-hook.ts";
import { runTerminalClaude, type TerminalRun } from "./support/terminal-claude.ts";
import { useHooksWorld } from "./support/use-hooks-world.ts";

/**
 * A `claude` started by hand in a terminal, with Tether's hooks installed, while a real bridge runs:
 * the paired phone sees it in machine.sessions, reads its transcript in the session room, and
 * answers its permission prompts. Only the model is scripted.
 */
const world = useHooksWorld();

function terminal(
  prompt: string,
  extra: string[] = [],
  onStart?: (pid: number) => void,
): Promise<TerminalRun> {
  const { w } = world;
  return runTerminalClaude({ cwd: w.project, env: w.env(), prompt, extra, ...(onStart ? { onStart } : {}) });
}

/**
 * A terminal `claude` running `prompt` in its room, once `ready` holds; `kill` ends it as a closed
 * terminal would (no SessionEnd).
 */
async function killableTerminal(
  prompt: string,
  ready: (s: Phone) => Promise<unknown>,
): Promise<{ s: Phone; kill(): void; done: Promise<TerminalRun> }> {
  const { w, machine } = world;
  const known = new Set(machine.bodies("machine.sessions").flatMap((b) => b.sessions.map((x) => x.room)));
  let pid = 0;
  const done = terminal(prompt, [], (p) => {
    pid = p;
  });
  const s = await w.phone(await newTerminalRoom(known));
  await ready(s);
  return { s, done, kill: () => process.kill(pid, "SIGKILL") };
}

/** The session room of the Claude session the machine room lists first that `known` does not hold. */
async function newTerminalRoom(known: Set<string>): Promise<string> {
  const { machine } = world;
  const listed = await machine.wait(
    "machine.sessions",
    (b) => b.sessions.some((s) => !known.has(s.room)),
    90_000,
  );
  const s = listed.sessions.find((x) => !known.has(x.room));
  if (!s) throw new Error("unreachable");
  return s.room;
}

function sessionId(run: TerminalRun): string {
  const init = run.lines.find((l) => l.json.type === "system" && l.json.subtype === "init");
  return String(init?.json.session_id);
}

/** The room's creation and end in the bridge's event log, with what a person would read there. */
function lifeOf(w: BridgeWorld, room: string): string[] {
  return eventsOf(w, room).flatMap((e) => {
    if (e.type === "session.created") return [e.terminal ? "created in a terminal" : "created"];
    return e.type === "session.ended" ? [`ended: ${e.reason}`] : [];
  });
}

function texts(s: Phone): string[] {
  return s
    .bodies("agent.message")
    .flatMap((m) => m.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])));
}

describe("terminal sessions on the phone", () => {
  it("mirrors a terminal session and takes the phone's allow, then its deny after a bridge restart", async () => {
    const { w, machine } = world;
    const known = new Set(machine.bodies("machine.sessions").flatMap((b) => b.sessions.map((s) => s.room)));
    const allowed = join(w.project, "allowed.txt");
    const first = `[[write path=${allowed} content=from_the_phone]]`;
    const run1 = terminal(first);
    const room = await newTerminalRoom(known);
    const s = await w.phone(room);
    const info = await s.wait("session.info", () => true, 60_000);
    expect(info).toMatchObject({ origin: "terminal", cwd: w.project });
    const req = await s.wait("permission.request", (r) => r.toolName === "Write", 90_000);
    expect(req.input).toMatchObject({ file_path: allowed });
    expect(req.toolUseId).toMatch(/^toolu_/);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    const done1 = await run1;
    expect(done1.code, done1.stderr).toBe(0);
    expect(readFileSync(allowed, "utf8")).toBe("from the phone");
    expect(await s.wait("permission.resolved", (r) => r.requestId === req.requestId)).toMatchObject({
      decision: "allow",
      by: s.cid,
    });
    const id = sessionId(done1);
    expect(info.claudeSessionId).toBe(id);
    await s.wait("turn.result", () => true, 30_000);
    await s.wait("session.status", (b) => b.state === "ended", 30_000);
    expect(texts(s)).toContain("done");
    expect(lifeOf(w, room)).toEqual(["created in a terminal", "ended: the terminal session ended"]);

    // A new bridge process: the session stays listed, is not resumed by the runner, and the same
    // Claude session resumed in the terminal continues in the same room from the stored cursor.
    const infos = machine.of("machine.info").length;
    await w.bridge?.kill("SIGTERM");
    w.startBridge();
    await until(
      () => (machine.of("machine.info").length > infos ? true : null),
      60_000,
      "a new machine.info",
    );
    const denied = join(w.project, "denied.txt");
    const second = `[[write path=${denied} content=never]]`;
    const run2 = terminal(second, ["--resume", id]);
    const req2 = await s.wait("permission.request", (r) => r.requestId !== req.requestId, 90_000);
    expect(req2.input).toMatchObject({ file_path: denied });
    await s.send("permission.response", { requestId: req2.requestId, decision: "deny", message: "no" });
    const done2 = await run2;
    expect(done2.code, done2.stderr).toBe(0);
    expect(existsSync(denied)).toBe(false);
    expect(await s.wait("permission.resolved", (r) => r.requestId === req2.requestId)).toMatchObject({
      decision: "deny",
      by: s.cid,
    });
    await s.wait("turn.started", (b) => b.text === second, 30_000);
    await until(() => (s.bodies("turn.result").length >= 2 ? true : null), 30_000, "two turn results");
    // The transcript, in order, each prompt once though the second run re-read the same file.
    const prompts = s.bodies("turn.started").map((b) => b.text);
    expect(prompts).toEqual([first, second]);
    const kinds = s.msgs.map((m) => m.kind);
    const at = (kind: string, from = 0) => kinds.indexOf(kind, from);
    expect(at("agent.message")).toBeGreaterThan(at("turn.started"));
    expect(texts(s)).toEqual(expect.arrayContaining(["done", "The tool was refused."]));
    const listed = machine
      .bodies("machine.sessions")
      .at(-1)
      ?.sessions.filter((x) => x.room === room);
    expect(listed).toEqual([expect.objectContaining({ claudeSessionId: id })]);
  }, 300_000);

  it("ends a session whose terminal claude was killed, seen while the bridge runs and at its start", async () => {
    const { w, machine } = world;
    // Killed while its prompt waits for the phone: the prompt is settled, the turn ends unfinished.
    const never = join(w.project, "never.txt");
    const a = await killableTerminal(`[[write path=${never} content=no]]`, (s) =>
      s.wait("permission.request", (r) => r.toolName === "Write", 90_000),
    );
    const req = a.s.bodies("permission.request")[0];
    a.kill();
    expect((await a.done).code).toBeNull();
    const gone = await a.s.wait("session.notice", (n) => n.code === "terminal_gone", 60_000);
    expect(gone.level).toBe("warn");
    await a.s.wait("session.status", (b) => b.state === "ended", 30_000);
    expect(
      await a.s.wait("permission.resolved", (r) => r.requestId === req?.requestId, 30_000),
    ).toMatchObject({
      decision: "deny",
      by: "terminal",
    });
    expect(await a.s.wait("turn.result", () => true, 30_000)).toMatchObject({
      ok: false,
      subtype: "error_during_execution",
    });
    expect(existsSync(never)).toBe(false);
    // Nobody answered it there: logged as cancelled, not as answered in the terminal.
    expect(story(eventsOf(w, a.s.room)).filter((e) => e.startsWith("prompt."))).toEqual([
      "prompt.asked tool",
      "prompt.resolved cancelled deny",
    ]);
    expect(lifeOf(w, a.s.room)).toEqual([
      "created in a terminal",
      "ended: the terminal's Claude process went away",
    ]);
    // Ended as by a SessionEnd: the phone continues it.
    const mid = await a.s.send("user.message", { text: "after the terminal died" });
    await a.s.wait("session.notice", (n) => n.inputMid === mid && n.code === "continued_here", 60_000);

    // Killed while no bridge ran: the next bridge sees it at its start.
    // About 60 s of streamed reply: still running when it is killed.
    const b = await killableTerminal("[[slow chunks=300 ms=200]]", (s) =>
      s.wait("session.status", (x) => x.state === "running", 60_000),
    );
    const infos = machine.of("machine.info").length;
    await w.bridge?.kill("SIGTERM");
    b.kill();
    await b.done;
    w.startBridge();
    await until(
      () => (machine.of("machine.info").length > infos ? true : null),
      60_000,
      "a new machine.info",
    );
    await b.s.wait("session.notice", (n) => n.code === "terminal_gone", 60_000);
    await b.s.wait("session.status", (x) => x.state === "ended", 30_000);
    expect(a.s.bodies("session.notice").filter((n) => n.code === "terminal_gone")).toHaveLength(1);
  }, 400_000);

  it("shows Claude Code's notifications on the phone, clipped", async () => {
    const { w, machine } = world;
    const known = new Set(machine.bodies("machine.sessions").flatMap((b) => b.sessions.map((x) => x.room)));
    // `tether hook` run as Claude Code runs it: `claude -p` sends no Notification (no one to notify).
    const id = `played-${randomBytes(6).toString("hex")}`;
    const hook = (event: string, extra: Record<string, unknown> = {}) => playHook(w, id, event, extra);
    await hook("SessionStart", { source: "startup" });
    const s = await w.phone(await newTerminalRoom(known));
    await hook("Notification", { message: "   ", notification_type: "idle_prompt" });
    const long = `Claude needs your permission to use Bash ${"x".repeat(2000)}`;
    await hook("Notification", {
      message: long,
      notification_type: "permission_prompt",
      title: "Claude Code",
    });
    const n = await s.wait("session.notice", (b) => b.code === "terminal_notification", 30_000);
    expect(n.level).toBe("info");
    expect(n.text.startsWith("Claude needs your permission to use Bash")).toBe(true);
    expect(n.text.endsWith("…")).toBe(true);
    expect(n.text.length).toBeLessThanOrEqual(501);
    expect(n.inputMid).toBeUndefined();

    // A prompt the terminal's own dialog answered first (the tool ran): settled by the terminal,
    // logged and counted as answered elsewhere, once.
    const before = (await bridgeStatus(w)).counters?.sinceInstall ?? {};
    const bash = { tool_name: "Bash", tool_input: { command: "echo played" } };
    await hook("PreToolUse", { ...bash, tool_use_id: "toolu_played_1" });
    const asking = hook("PermissionRequest", bash);
    const req = await s.wait("permission.request", (r) => r.toolUseId === "toolu_played_1", 30_000);
    await hook("PostToolUse", { ...bash, tool_use_id: "toolu_played_1" });
    expect(await s.wait("permission.resolved", (r) => r.requestId === req.requestId)).toMatchObject({
      decision: "allow",
      by: "terminal",
    });
    await asking;
    expect(story(eventsOf(w, s.room)).filter((e) => e.startsWith("prompt."))).toEqual([
      "prompt.asked tool",
      "prompt.resolved elsewhere allow",
    ]);
    const prompts = Object.entries(grown(before, (await bridgeStatus(w)).counters?.sinceInstall ?? {}));
    expect(Object.fromEntries(prompts.filter(([k]) => k.startsWith("prompts")))).toEqual({
      promptsAsked: 1,
      "promptsAsked.tool": 1,
      promptsAnsweredElsewhere: 1,
    });
    await hook("SessionEnd", { reason: "other" });
    await s.wait("session.status", (b) => b.state === "ended", 30_000);
    expect(s.bodies("session.notice").filter((b) => b.code === "terminal_notification")).toHaveLength(1);
  }, 120_000);
});
