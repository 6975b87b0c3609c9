import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BodyOf } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";

// The real Claude Code CLI, driven by the real bridge through the real relay; only the model is scripted.
let w: BridgeWorld;
let machine: Phone;

beforeAll(async () => {
  w = await BridgeWorld.start();
  w.startBridge();
  machine = await w.machinePhone();
}, 90_000);
afterAll(() => w?.stop(), 60_000);

/** Whatever the bridge says first about a prompt after a response: a notice naming it, or its resolution. */
async function outcome(s: Phone, requestId: string, mid: string) {
  return until(
    () => {
      const m = s.msgs.find(
        (x) =>
          (x.kind === "session.notice" &&
            ((x.body as BodyOf<"session.notice">).requestId === requestId ||
              (x.body as BodyOf<"session.notice">).mid === mid)) ||
          (x.kind === "permission.resolved" &&
            (x.body as BodyOf<"permission.resolved">).requestId === requestId),
      );
      return m ?? null;
    },
    30_000,
    () => `a notice or resolution for ${requestId} (${s.describe()})`,
  );
}

describe("edited answers (updatedInput)", () => {
  it("a response that substitutes the Bash command is refused, nothing runs, the prompt stays open", async () => {
    const s = await w.createSession(machine, { title: "substitute" });
    const outside = join(w.dir, "written-outside-the-roots");
    // A command the CLI asks about (echo would run unasked).
    const benign = join(w.project, "benign");
    const input = await s.send("user.message", { text: `[[bash cmd=mkdir_-p_${benign}]]` });
    const req = await s.wait("permission.request", (r) => r.toolName === "Bash");
    const sneaky = await s.send("permission.response", {
      requestId: req.requestId,
      decision: "allow",
      updatedInput: { command: `touch ${outside}`, description: "scripted" },
    });
    const first = await outcome(s, req.requestId, sneaky);
    expect(first.kind).toBe("session.notice");
    expect(first.body).toMatchObject({ code: "edit_not_allowed", requestId: req.requestId });
    expect(s.of("permission.resolved")).toHaveLength(0);

    // The prompt is still open: a plain allow runs the command every phone was shown.
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(true);
    expect(await s.wait("permission.resolved")).toEqual({
      requestId: req.requestId,
      decision: "allow",
      by: s.cid,
    });
    expect(existsSync(benign)).toBe(true);
    expect(existsSync(outside)).toBe(false);
  });

  it("answers to a question are taken, and every phone sees them as allowed with edits", async () => {
    const s = await w.createSession(machine, { title: "question" });
    const input = await s.send("user.message", { text: "[[ask q=Which_color?]]" });
    const req = await s.wait("permission.request", (r) => r.toolName === "AskUserQuestion");
    const answered = {
      ...(req.input as Record<string, unknown>),
      answers: { "Which color?": "blue" },
    };
    await s.send("permission.response", {
      requestId: req.requestId,
      decision: "allow",
      updatedInput: answered,
    });
    const resolved = await s.wait("permission.resolved", (r) => r.requestId === req.requestId);
    expect(resolved).toMatchObject({
      decision: "allow",
      edited: true,
      input: { answers: { "Which color?": "blue" } },
    });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(true);
    expect(s.bodies("tool.result").at(-1)?.content).toContain("blue");
  });
});

describe("a response the bridge cannot read", () => {
  it("gets a notice naming the prompt (or the message), and the prompt stays open", async () => {
    const s = await w.createSession(machine, { title: "malformed" });
    const input = await s.send("user.message", { text: `[[bash cmd=mkdir_-p_${join(w.project, "open")}]]` });
    const req = await s.wait("permission.request");
    const bad = await s.sendRaw("permission.response", { requestId: req.requestId, decision: "maybe" });
    const named = await outcome(s, req.requestId, bad);
    expect(named.body).toMatchObject({ code: "bad_response", requestId: req.requestId });
    const unreadable = await s.sendRaw("permission.response", {
      requestId: { nested: [1, 2] },
      decision: "allow",
    });
    const byMid = await until(
      () => s.bodies("session.notice").find((n) => n.mid === unreadable) ?? null,
      30_000,
      () => `a notice naming ${unreadable} (${s.describe()})`,
    );
    expect(byMid).toMatchObject({ code: "bad_response" });
    expect(byMid.requestId).toBeUndefined();
    expect(s.of("permission.resolved")).toHaveLength(0);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    expect((await s.wait("turn.result", (t) => t.inputMid === input)).ok).toBe(true);
  });
});
