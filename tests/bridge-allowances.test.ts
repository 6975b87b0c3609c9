import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone } from "./support/bridge-world.ts";

let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);

async function turn(s: Phone, text: string): Promise<BodyOf<"turn.result">> {
  const mid = await s.send("user.message", { text });
  return s.wait("turn.result", (t) => t.inputMid === mid, 60_000);
}

/** Runs `text`, answering the one prompt it raises with "Allow for this session". */
async function allowedForSession(
  s: Phone,
  text: string,
  toolName: string,
): Promise<BodyOf<"permission.request">> {
  const done = turn(s, text);
  const req = await s.wait("permission.request", (r) => r.toolName === toolName);
  await s.send("permission.response", { requestId: req.requestId, decision: "allow", remember: true });
  expect((await done).ok).toBe(true);
  return req;
}

describe("allow for this session", () => {
  it("outlives the Claude process: after idle sleep and a bridge restart the same tools run unasked", async () => {
    w = await BridgeWorld.start();
    const args = ["--idle-sleep", "1s"];
    w.startBridge(args);
    const machine = await w.machinePhone();
    const file = (name: string) => join(w!.project, name);
    const write = (s: Phone, name: string) => turn(s, `[[write path=${file(name)} content=${name}]]`);
    const mkdir = (s: Phone, name: string) => turn(s, `[[bash cmd=mkdir_-p_${file(name)}]]`);

    // A Write (the CLI suggests switching to acceptEdits) in one session, a Bash command (an allow
    // rule) in another, each allowed for the session once.
    const edits = await w.createSession(machine, { title: "edits" });
    const req = await allowedForSession(edits, `[[write path=${file("a.txt")} content=a]]`, "Write");
    expect(req.suggestions).toEqual([expect.objectContaining({ type: "setMode", mode: "acceptEdits" })]);
    await edits.wait("session.info", (i) => i.permissionMode === "acceptEdits");
    const cmds = await w.createSession(machine, { title: "commands" });
    const bash = await allowedForSession(cmds, `[[bash cmd=mkdir_-p_${file("d1")}]]`, "Bash");
    expect(bash.suggestions).toContainEqual(expect.objectContaining({ type: "addRules", behavior: "allow" }));
    expect(existsSync(file("d1"))).toBe(true);

    // Their processes go to sleep; the next ones ask for neither.
    for (const s of [edits, cmds]) await s.wait("session.status", (x) => x.state === "sleeping");
    expect((await write(edits, "b.txt")).ok).toBe(true);
    expect(readFileSync(file("b.txt"), "utf8")).toBe("b.txt");
    expect((await mkdir(cmds, "d2")).ok).toBe(true);
    expect(existsSync(file("d2"))).toBe(true);

    // Nor after the bridge itself restarts.
    expect(await w.bridge!.kill("SIGTERM")).toBe(0);
    w.startBridge(args);
    expect((await write(edits, "c.txt")).ok).toBe(true);
    expect((await mkdir(cmds, "d3")).ok).toBe(true);
    expect(existsSync(file("c.txt")) && existsSync(file("d3"))).toBe(true);
    expect(edits.of("permission.request")).toHaveLength(1);
    expect(cmds.of("permission.request")).toHaveLength(1);
  });
});
