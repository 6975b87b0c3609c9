import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeWorld, type Phone } from "./support/bridge-world.ts";
import { ScriptedModel } from "./support/scripted-model.ts";

// The real Claude Code CLI, driven by the real bridge through the real relay; only the model is scripted.
let w: BridgeWorld;
let machine: Phone;

beforeAll(async () => {
  w = await BridgeWorld.start();
  w.startBridge();
  machine = await w.machinePhone();
}, 90_000);
afterAll(() => w?.stop(), 60_000);

describe("the machine room", () => {
  it("publishes machine.info and refuses a cwd outside the roots with a notice", async () => {
    const info = await machine.wait("machine.info");
    expect(info).toMatchObject({ machineId: w.machineId, roots: [w.project], name: "test-machine" });
    const req = await machine.send("machine.create_session", { cwd: join(w.project, "..") });
    const notice = await machine.wait("machine.notice", (n) => n.requestMid === req);
    expect(notice).toMatchObject({ level: "error", code: "cwd_not_allowed" });
  });
});

describe("permissions", () => {
  it("Write: allow → the file exists and the turn ends ok; deny → no file, the model is told", async () => {
    const s = await w.createSession(machine, { title: "perm" });
    const yes = join(w.project, "yes.txt");
    const input = await s.send("user.message", { text: `please [[write path=${yes} content=hello_world]]` });
    expect((await s.wait("turn.started")).inputMid).toBe(input);
    const req = await s.wait("permission.request");
    expect(req).toMatchObject({ toolName: "Write", input: { file_path: yes, content: "hello world" } });
    expect(existsSync(yes)).toBe(false);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    const done = await s.wait("turn.result", (t) => t.inputMid === input);
    expect(done).toMatchObject({ ok: true, subtype: "success" });
    expect(readFileSync(yes, "utf8")).toBe("hello world");
    const resolved = await s.wait("permission.resolved");
    expect(resolved).toEqual({ requestId: req.requestId, decision: "allow", by: s.cid });

    const no = join(w.project, "no.txt");
    const second = await s.send("user.message", { text: `now [[write path=${no} content=nope]]` });
    const req2 = await s.wait("permission.request", (r) => r.requestId !== req.requestId);
    await s.send("permission.response", {
      requestId: req2.requestId,
      decision: "deny",
      message: "not that file",
    });
    const done2 = await s.wait("turn.result", (t) => t.inputMid === second);
    expect(done2.ok).toBe(true);
    expect(existsSync(no)).toBe(false);
    const refused = s.bodies("tool.result").at(-1);
    expect(refused).toMatchObject({ isError: true, content: "not that file" });
    const told = w.model
      .turns()
      .at(-1)!
      .body.messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content));
    expect(told.some((p) => p.type === "tool_result" && p.is_error === true)).toBe(true);
    expect(s.of("turn.started").length).toBe(2);
    expect(s.of("turn.result").length).toBe(2);
  });
});

describe("interrupt", () => {
  it("during a long streamed answer: the turn ends as interrupted and the session carries on", async () => {
    const s = await w.createSession(machine, { title: "interrupt" });
    const before = w.model.turns().length;
    const input = await s.send("user.message", { text: "[[slow chunks=400 ms=25]]" });
    await s.wait("turn.started");
    await untilModel(() => w.model.turns().length > before);
    await s.send("session.interrupt", {});
    const done = await s.wait("turn.result", (t) => t.inputMid === input);
    expect(done).toMatchObject({ ok: false, subtype: "error_during_execution" });
    const next = await s.send("user.message", { text: "still there?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === next)).ok).toBe(true);
  });

  it("during a pending permission prompt: the prompt resolves as cancelled and nothing is written", async () => {
    const s = await w.createSession(machine, { title: "interrupt-perm" });
    const file = join(w.project, "never.txt");
    const input = await s.send("user.message", { text: `[[write path=${file} content=x]]` });
    const req = await s.wait("permission.request");
    await s.send("session.interrupt", {});
    expect(await s.wait("permission.resolved")).toMatchObject({
      requestId: req.requestId,
      by: "cancelled",
    });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(false);
    expect(existsSync(file)).toBe(false);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    const next = await s.send("user.message", { text: "and now?" });
    await s.wait("turn.result", (t) => t.inputMid === next);
    expect(s.of("permission.resolved").length).toBe(1);
  });
});

describe("/clear", () => {
  it("moves the room to a new Claude session with session.transition; the chain stays listed", async () => {
    const s = await w.createSession(machine, { title: "clear" });
    const first = await s.send("user.message", { text: "remember clear-marker-1" });
    await s.wait("turn.result", (t) => t.inputMid === first);
    const before = await s.wait("session.info", (i) => i.claudeSessionId !== undefined);
    await s.send("session.command", { name: "clear" });
    const tr = await s.wait("session.transition");
    expect(tr.reason).toBe("clear");
    expect(tr.fromClaudeSessionId).toBe(before.claudeSessionId);
    expect(tr.toClaudeSessionId).not.toBe(tr.fromClaudeSessionId);
    const listed = await machine.wait("machine.sessions", (l) =>
      l.sessions.some((x) => x.claudeSessionId === tr.toClaudeSessionId),
    );
    const entry = listed.sessions.find((x) => x.claudeSessionId === tr.toClaudeSessionId)!;
    expect(entry.transitionedFrom).toBe(tr.fromClaudeSessionId);
    expect(entry.chain).toEqual([
      { claudeSessionId: tr.fromClaudeSessionId, transitionedTo: tr.toClaudeSessionId },
    ]);
    const after = await s.send("user.message", { text: "what did I ask you to remember?" });
    await s.wait("turn.result", (t) => t.inputMid === after);
    const shown = ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n");
    expect(shown).not.toContain("clear-marker-1");
  });
});

async function untilModel(pred: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("the model never received the request");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("machine requests", () => {
  it("list_resumable shows Claude sessions on disk; create_session can resume one with its context", async () => {
    const s = await w.createSession(machine, { title: "to-resume" });
    const first = await s.send("user.message", { text: "resumable-marker-3" });
    await s.wait("turn.result", (t) => t.inputMid === first);
    const { claudeSessionId } = await s.wait("session.info", (i) => i.claudeSessionId !== undefined);
    const req = await machine.send("machine.list_resumable", { cwd: w.project });
    const listed = await machine.wait("machine.resumable", (r) => r.requestMid === req);
    expect(listed.sessions.find((x) => x.claudeSessionId === claudeSessionId)).toMatchObject({
      cwd: w.project,
      resumable: true,
    });

    const again = await w.createSession(machine, {
      title: "resumed",
      resumeClaudeSessionId: claudeSessionId,
    });
    const q = await again.send("user.message", { text: "what was the marker?" });
    expect((await again.wait("turn.result", (t) => t.inputMid === q)).ok).toBe(true);
    expect(ScriptedModel.userTexts(w.model.turns().at(-1)!.body).join("\n")).toContain("resumable-marker-3");
  });

  it("create_session with a first prompt runs it; end_session ends it and later input gets a notice", async () => {
    const req = await machine.send("machine.create_session", { cwd: w.project, prompt: "first-prompt-here" });
    const created = await machine.wait("machine.session_created", (b) => b.requestMid === req);
    const s = await w.phone(created.room);
    expect(await s.wait("turn.started")).toEqual({
      inputMid: req,
      text: "first-prompt-here",
    });
    expect((await s.wait("turn.result", (t) => t.inputMid === req)).ok).toBe(true);
    await machine.send("machine.end_session", { room: created.room });
    await s.wait("session.status", (x) => x.state === "ended");
    await machine.wait("machine.sessions", (l) =>
      l.sessions.some((x) => x.room === created.room && x.state === "ended"),
    );
    const late = await s.send("user.message", { text: "hello?" });
    expect(await s.wait("session.notice")).toMatchObject({
      code: "session_ended",
      inputMid: late,
    });
  });

  it("set_permission_mode acceptEdits lets Write run without a prompt", async () => {
    const s = await w.createSession(machine, { title: "mode" });
    await s.send("session.command", { name: "set_permission_mode", value: "acceptEdits" });
    await s.wait("session.info", (i) => i.permissionMode === "acceptEdits");
    const file = join(w.project, "auto.txt");
    const mid = await s.send("user.message", { text: `[[write path=${file} content=auto]]` });
    expect((await s.wait("turn.result", (t) => t.inputMid === mid)).ok).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("auto");
    expect(s.of("permission.request")).toHaveLength(0);
  });
});

describe("session commands", () => {
  it("allow with remember lets that call run for the rest of the session; set_model reaches the model", async () => {
    const s = await w.createSession(machine, { title: "remember" });
    const a = join(w.project, "remember-a.txt");
    const first = await s.send("user.message", { text: `[[write path=${a} content=a]]` });
    const req = await s.wait("permission.request");
    await s.send("permission.response", { requestId: req.requestId, decision: "allow", remember: true });
    await s.wait("turn.result", (t) => t.inputMid === first);
    // The grant is that file (allowances.ts): writing it again does not ask.
    const second = await s.send("user.message", { text: `[[write path=${a} content=b]]` });
    expect((await s.wait("turn.result", (t) => t.inputMid === second)).ok).toBe(true);
    expect(readFileSync(a, "utf8")).toBe("b");
    expect(s.of("permission.request")).toHaveLength(1);

    // A model the running CLI lists (its supportedModels); it sends the API the id the alias resolves to.
    await s.send("session.command", { name: "set_model", value: "haiku" });
    await s.wait("session.info", (i) => i.model === "haiku");
    const third = await s.send("user.message", { text: "which model?" });
    await s.wait("turn.result", (t) => t.inputMid === third);
    expect(w.model.turns().at(-1)!.body.model).toMatch(/haiku/);
  });
});

describe("edge cases from review", () => {
  it("ending a session with a pending prompt cancels it and the session stays ended", async () => {
    const s = await w.createSession(machine, { title: "end-pending" });
    const input = await s.send("user.message", {
      text: `[[write path=${join(w.project, "pending.txt")} content=x]]`,
    });
    await s.wait("permission.request");
    await machine.send("machine.end_session", { room: s.client.welcome!.room });
    expect(await s.wait("permission.resolved")).toMatchObject({ by: "cancelled" });
    await s.wait("turn.result", (t) => t.inputMid === input);
    const late = await s.send("user.message", { text: "anyone?" });
    await s.wait("session.notice", (n) => n.inputMid === late);
    const states = s.bodies("session.status").map((x) => x.state);
    expect(states.at(-1)).toBe("ended");
    expect(states.slice(states.indexOf("ended"))).toEqual(["ended"]);
  });

  it("an unknown permission mode is refused with a notice and the bridge carries on", async () => {
    const s = await w.createSession(machine, { title: "bad-mode" });
    // Not a mode of the contract (it needs a launch flag): sent raw, as an old phone would have.
    await s.sendRaw("session.command", { name: "set_permission_mode", value: "bypassPermissions" });
    const refused = await s.wait("session.notice");
    expect(refused).toMatchObject({ code: "bad_permission_mode" });
    expect(refused.text).toContain("--dangerously-skip-permissions");
    const mid = await s.send("user.message", { text: "still fine?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === mid)).ok).toBe(true);
    expect(s.bodies("session.info").every((i) => i.permissionMode === "default")).toBe(true);
  });

  it("a Write too large for one message still reaches the phone as a truncated prompt", async () => {
    const s = await w.createSession(machine, { title: "big" });
    const file = join(w.project, "big.txt");
    const input = await s.send("user.message", { text: `[[write path=${file} size=300000]]` });
    const req = await s.wait("permission.request");
    expect(req.truncated).toBe(true);
    expect(JSON.stringify(req.input).length).toBeLessThan(300_000);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(true);
    expect(readFileSync(file, "utf8").length).toBe(300_000);
  });
});
