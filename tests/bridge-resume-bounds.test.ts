import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeWorld, type Phone } from "./support/bridge-world.ts";

// The roots bound what a phone may list, resume and probe on the machine.
let w: BridgeWorld;
let machine: Phone;

beforeAll(async () => {
  w = await BridgeWorld.start();
  w.startBridge();
  machine = await w.machinePhone();
}, 90_000);
afterAll(() => w?.stop(), 60_000);

/** A Claude session transcript on disk, as the CLI keeps it, for a folder outside the roots. */
function transcriptOutside(): { id: string; cwd: string } {
  const cwd = join(w.dir, "elsewhere");
  mkdirSync(cwd, { recursive: true });
  const dir = join(w.claudeConfig, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"));
  mkdirSync(dir, { recursive: true });
  const id = randomUUID();
  const at = new Date().toISOString();
  const common = {
    parentUuid: null,
    sessionId: id,
    cwd,
    timestamp: at,
    isSidechain: false,
    userType: "external",
  };
  const lines = [
    {
      ...common,
      type: "user",
      uuid: randomUUID(),
      message: { role: "user", content: "a secret first prompt" },
    },
    {
      ...common,
      type: "assistant",
      uuid: randomUUID(),
      message: { role: "assistant", content: [{ type: "text", text: "ok" }] },
    },
  ];
  writeFileSync(join(dir, `${id}.jsonl`), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  return { id, cwd };
}

describe("resume within the roots", () => {
  it("lists only sessions under the roots, and refuses to list or resume one outside", async () => {
    const outside = transcriptOutside();
    // A session under the root, with a turn, so there is something to list.
    const s = await w.createSession(machine, { title: "inside" });
    const mid = await s.send("user.message", { text: "hello" });
    await s.wait("turn.result", (t) => t.inputMid === mid, 60_000);
    const inside = (await s.wait("session.info", (i) => i.claudeSessionId !== undefined)).claudeSessionId;

    const all = await machine.send("machine.list_resumable", {});
    const listed = (await machine.wait("machine.resumable", (r) => r.requestMid === all)).sessions;
    expect(listed.map((x) => x.claudeSessionId)).toContain(inside);
    expect(listed.map((x) => x.claudeSessionId)).not.toContain(outside.id);
    expect(JSON.stringify(listed)).not.toContain("secret");

    const there = await machine.send("machine.list_resumable", { cwd: outside.cwd });
    expect(await machine.wait("machine.notice", (n) => n.requestMid === there)).toMatchObject({
      code: "cwd_not_allowed",
    });
    expect(machine.bodies("machine.resumable").some((r) => r.requestMid === there)).toBe(false);

    const resume = await machine.send("machine.create_session", {
      cwd: w.project,
      resumeClaudeSessionId: outside.id,
    });
    expect(await machine.wait("machine.notice", (n) => n.requestMid === resume)).toMatchObject({
      code: "resume_not_allowed",
    });
    expect(machine.bodies("machine.session_created").some((c) => c.requestMid === resume)).toBe(false);
  });

  it("refuses a cwd outside the roots in the same words whether it exists or not", async () => {
    const missing = join(w.dir, "no-such-folder", "deeper");
    const existing = w.dir;
    const texts: string[] = [];
    for (const cwd of [missing, existing]) {
      const req = await machine.send("machine.create_session", { cwd });
      const n = await machine.wait("machine.notice", (x) => x.requestMid === req);
      expect(n.code).toBe("cwd_not_allowed");
      texts.push(n.text);
    }
    expect(texts[0]).toBe(texts[1]);
    for (const leak of [w.dir, "ENOENT", "no-such-folder"]) expect(texts[0]).not.toContain(leak);
  });
});
