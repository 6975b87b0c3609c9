import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Phone, until } from "./support/bridge-world.ts";
import { runTerminalClaude, type TerminalRun } from "./support/terminal-claude.ts";
import { runTether } from "./support/tether-process.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

/**
 * A `claude` started by hand in a terminal, with Tether's hooks installed, while a real bridge runs:
 * the paired phone sees it in machine.sessions, reads its transcript in the session room, and
 * answers its permission prompts. Only the model is scripted.
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
});
