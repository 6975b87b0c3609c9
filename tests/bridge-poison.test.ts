import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Limits } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone } from "./support/bridge-world.ts";

// Hostile controller messages against the real bridge process, the real relay and the real Claude CLI.
let w: BridgeWorld;
let machine: Phone;

beforeAll(async () => {
  w = await BridgeWorld.start();
  w.startBridge();
  machine = await w.machinePhone();
}, 90_000);
afterAll(() => w?.stop(), 60_000);

function newMid(): string {
  return `m_${randomBytes(12).toString("base64url")}`;
}

/** The bridge process is still running (it has not exited since it started). */
function alive(): void {
  expect(w.bridge?.child.exitCode, `bridge output:\n${w.bridge?.output.slice(-3000)}`).toBeNull();
}

describe("a body nested 10,000 deep", () => {
  it("is refused by the relay naming its mid; the bridge stays up and handles the next message", async () => {
    const s = await w.createSession(machine, { title: "deep" });
    const mid = newMid();
    const body = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const frame = `{"t":"send","msgs":[{"mid":"${mid}","kind":"session.command","body":${body}}]}`;
    const r = await s.client.sendText(frame, [mid]);
    expect(r).toMatchObject({ status: "acked", refused: [{ code: "too_deep", mid }] });
    const next = await s.send("user.message", { text: "still there?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === next, 60_000)).ok).toBe(true);
    alive();
  });

  it("just inside the limit it is stored, and the bridge answers it with a bad_command notice naming it", async () => {
    const s = await w.createSession(machine, { title: "deep-ok" });
    // The object is one level, the arrays inside it the other 63.
    let body: unknown = [];
    for (let i = 1; i < Limits.bodyDepth - 1; i++) body = [body];
    const mid = await s.sendRaw("session.command", { name: "nope", deep: body });
    const notice = await s.wait("session.notice", (n) => n.inputMid === mid);
    expect(notice).toMatchObject({ code: "bad_command", level: "warn" });
    expect(notice.text).toMatch(
      /^Unknown or malformed command \(object \{name, deep\} ~\d+ B, depth 64\)\.$/,
    );
    const next = await s.send("user.message", { text: "and now?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === next, 60_000)).ok).toBe(true);
    alive();
  });
});

describe("set_model", () => {
  it("refuses a 140 KiB value and a model the CLI does not offer, keeps the model, and runs the next turn", async () => {
    const s = await w.createSession(machine, { title: "model" });
    const first = await s.send("user.message", { text: "hello" });
    await s.wait("turn.result", (t) => t.inputMid === first, 60_000);

    const huge = await s.sendRaw("session.command", { name: "set_model", value: "x".repeat(140 * 1024) });
    expect(await s.wait("session.notice", (n) => n.inputMid === huge)).toMatchObject({ code: "bad_model" });
    const unknown = await s.send("session.command", { name: "set_model", value: "claude-no-such-model" });
    const refused = await s.wait("session.notice", (n) => n.inputMid === unknown);
    expect(refused).toMatchObject({ code: "bad_model", level: "warn" });
    expect(refused.text).toContain("claude-no-such-model");

    const after = await s.send("user.message", { text: "which model now?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === after, 60_000)).ok).toBe(true);
    expect(s.bodies("session.info").every((i) => i.model === undefined)).toBe(true);
    expect(w.model.turns().at(-1)!.body.model?.length).toBeLessThan(100);

    // A model the CLI lists is taken, and reaches the model.
    await s.send("session.command", { name: "set_model", value: "haiku" });
    await s.wait("session.info", (i) => i.model === "haiku");
    const last = await s.send("user.message", { text: "and now?" });
    await s.wait("turn.result", (t) => t.inputMid === last, 60_000);
    expect(w.model.turns().at(-1)!.body.model).toMatch(/haiku/);
    alive();
  });
});
