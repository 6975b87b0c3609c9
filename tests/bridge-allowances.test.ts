import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { type BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { useOneRelay } from "./support/one-relay.ts";
import { runTether } from "./support/tether-process.ts";

let w: BridgeWorld | null = null;
afterEach(async () => {
  await w?.stop();
  w = null;
}, 60_000);
const newMachine = useOneRelay();

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
  const req = await s.wait("permission.request", (r) => r.toolName === toolName && !answered(s, r.requestId));
  await s.send("permission.response", { requestId: req.requestId, decision: "allow", remember: true });
  expect((await done).ok).toBe(true);
  return req;
}

function answered(s: Phone, requestId: string): boolean {
  return s.bodies("permission.resolved").some((r) => r.requestId === requestId);
}

/** Runs `text` and answers the prompt it raises, once; the prompt count tells whether it asked. */
async function allowedOnce(s: Phone, text: string): Promise<void> {
  const before = s.of("permission.request").length;
  const done = turn(s, text);
  await s.wait("permission.request", () => s.of("permission.request").length > before);
  const req = s.bodies("permission.request").at(-1)!;
  await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
  expect((await done).ok).toBe(true);
}

describe("allow for this session", () => {
  it("grants what the button says, never a mode; outlives idle sleep and a bridge restart", async () => {
    w = await newMachine();
    const args = ["--idle-sleep", "1s"];
    w.startBridge(args);
    const machine = await w.machinePhone();
    const file = (name: string) => join(w!.project, name);
    const write = (s: Phone, name: string) => turn(s, `[[write path=${file(name)} content=${name}]]`);

    // A Write: the CLI suggests acceptEdits; the grant is this file only, and the mode stays.
    const edits = await w.createSession(machine, { title: "edits" });
    const req = await allowedForSession(edits, `[[write path=${file("a.txt")} content=a]]`, "Write");
    expect(req.suggestions).toEqual([expect.objectContaining({ type: "setMode", mode: "acceptEdits" })]);
    expect(req.sessionGrant).toBe(`Write on ${file("a.txt")}`);
    expect(await edits.wait("permission.resolved")).toMatchObject({ granted: req.sessionGrant });
    const info = await edits.wait("session.info", (i) => (i.grants?.length ?? 0) > 0);
    expect(info.grants).toEqual([{ rule: `Write(/${file("a.txt")})`, label: req.sessionGrant }]);
    expect(edits.bodies("session.info").every((i) => i.permissionMode === "default")).toBe(true);
    // Another file still asks.
    await allowedOnce(edits, `[[write path=${file("other.txt")} content=o]]`);
    expect(edits.of("permission.request")).toHaveLength(2);

    // A mkdir: a Bash grant, which never switches the session to acceptEdits either.
    const cmds = await w.createSession(machine, { title: "commands" });
    const bash = await allowedForSession(cmds, `[[bash cmd=mkdir_-p_${file("d1")}]]`, "Bash");
    expect(bash.sessionGrant).toBe(`the Bash command "mkdir -p ${file("d1")}"`);
    expect(existsSync(file("d1"))).toBe(true);
    expect(cmds.bodies("session.info").every((i) => i.permissionMode === "default")).toBe(true);
    await allowedOnce(cmds, `[[write path=${file("c.txt")} content=c]]`);

    // Their processes go to sleep; the next ones ask for neither granted call.
    for (const s of [edits, cmds]) await s.wait("session.status", (x) => x.state === "sleeping");
    expect((await write(edits, "a.txt")).ok).toBe(true);
    expect((await turn(cmds, `[[bash cmd=mkdir_-p_${file("d1")}]]`)).ok).toBe(true);

    // Nor after the bridge itself restarts.
    expect(await w.bridge!.kill("SIGTERM")).toBe(0);
    w.startBridge(args);
    expect((await turn(edits, `[[write path=${file("a.txt")} content=again]]`)).ok).toBe(true);
    expect(readFileSync(file("a.txt"), "utf8")).toBe("again");
    expect((await turn(cmds, `[[bash cmd=mkdir_-p_${file("d1")}]]`)).ok).toBe(true);
    expect(edits.of("permission.request")).toHaveLength(2);
    expect(cmds.of("permission.request")).toHaveLength(2);
  }, 240_000);

  it("the phone (revoke_grant) and tether status list and withdraw grants at once, in the live process too", async () => {
    w = await newMachine();
    w.startBridge();
    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: "revoke" });
    const write = (name: string) => `[[write path=${join(w!.project, name)} content=x]]`;
    await allowedForSession(s, write("r.txt"), "Write");
    await allowedForSession(s, write("t.txt"), "Write");
    const info = await s.wait("session.info", (i) => (i.grants?.length ?? 0) === 2);
    const [r, t] = info.grants!;
    expect((await turn(s, write("r.txt"))).ok).toBe(true);
    expect(s.of("permission.request")).toHaveLength(2);

    // tether status lists both, with what they allow.
    const status = await runTether(["status", "--state-dir", w.stateDir], w.env());
    expect(status.code).toBe(0);
    for (const g of [r!, t!]) expect(status.stdout).toContain(g.label);
    expect(status.stdout).toContain(r!.rule);

    // Revoking what the session does not hold is refused, on either side.
    await s.sendRaw("session.command", { name: "revoke_grant", value: "Write(//nope)" });
    expect(await s.wait("session.notice", (n) => n.code === "unknown_grant")).toMatchObject({
      level: "warn",
    });
    const room = (
      await machine.wait("machine.sessions", (l) => l.sessions.some((x) => x.title === "revoke"))
    ).sessions.find((x) => x.title === "revoke")!.room;
    const none = await runTether(
      ["status", "--state-dir", w.stateDir, "--room", room, "--revoke-grant", "Write(//nope)"],
      w.env(),
    );
    expect(none.code).toBe(1);

    // The phone revokes one, tether status the other; both calls ask again.
    const infos = s.of("session.info").length;
    await s.send("session.command", { name: "revoke_grant", value: r!.rule });
    const cli = await runTether(
      ["status", "--state-dir", w.stateDir, "--room", room, "--revoke-grant", t!.rule],
      w.env(),
    );
    expect(cli.code).toBe(0);
    await until(
      () =>
        s
          .bodies("session.info")
          .slice(infos)
          .find((i) => i.grants === undefined) ?? null,
      30_000,
      () => `a session.info without grants (${s.describe()})`,
    );
    await allowedOnce(s, write("r.txt"));
    await allowedOnce(s, write("t.txt"));
    expect(s.of("permission.request")).toHaveLength(4);
  }, 240_000);
});
