import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nestedDeeper } from "../shared/core/util/describe.ts";
import { kinds, Limits } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { anyValue, machineBodies, sessionBodies, unknownKind } from "./support/hostile.ts";

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

type Hostile = { kind: string; body: unknown };

function sample(arbs: Record<string, fc.Arbitrary<unknown>>, n: number, seed: number): Hostile[] {
  const one = fc.oneof(
    ...Object.entries(arbs).map(([kind, body]) => fc.record({ kind: fc.constant(kind), body })),
    fc.record({ kind: unknownKind, body: anyValue }),
  );
  return fc.sample(one, { numRuns: n, seed });
}

/** Messages the test leaves out: real work for Claude (tested elsewhere) and bodies JSON.stringify cannot write. */
function hostileOnly(project: string) {
  return ({ kind, body }: Hostile): boolean => {
    if (nestedDeeper(body, 1_000)) return false;
    const b = (body ?? {}) as Record<string, unknown>;
    if (kind === "user.message") return typeof b.text !== "string" || b.text.trim() === "";
    if (kind === "session.command") return b.name !== "end" && b.name !== "clear";
    if (kind === "machine.create_session") return typeof b.cwd !== "string" || !b.cwd.startsWith(project);
    return true;
  };
}

/** Up to 20 messages and ~600 KB a frame; a signal kind goes alone (it makes its frame bad). */
function frames(msgs: Hostile[]): Hostile[][] {
  const out: Hostile[][] = [];
  let cur: Hostile[] = [];
  let size = 0;
  for (const m of msgs) {
    const bytes = JSON.stringify(m.body ?? null).length;
    const alone = kinds[m.kind as keyof typeof kinds]?.direction === "signal";
    if (cur.length > 0 && (alone || cur.length >= 20 || size + bytes > 600_000)) {
      out.push(cur);
      [cur, size] = [[], 0];
    }
    cur.push(m);
    size += bytes;
    if (alone) {
      out.push(cur);
      [cur, size] = [[], 0];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

describe("a hostile controller, end to end", () => {
  it("hundreds of generated hostile messages: the bridge stays up, answers malformed commands, and still runs a turn", async () => {
    const seed = Number(process.env.TETHER_FUZZ_SEED ?? Date.now() % 2 ** 31);
    const s = await w.createSession(machine, { title: "hostile" });
    const warm = await s.send("user.message", { text: "warm up" });
    await s.wait("turn.result", (t) => t.inputMid === warm, 60_000);
    const keep = hostileOnly(w.project);
    const toSession = sample(sessionBodies, 400, seed).filter(keep).slice(0, 300);
    const toMachine = sample(machineBodies(w.project), 150, seed + 1)
      .filter(keep)
      .slice(0, 100);
    const stored: { phone: Phone; kind: string; body: unknown; mid: string }[] = [];
    for (const [phone, msgs] of [
      [s, toSession],
      [machine, toMachine],
    ] as const) {
      for (const frame of frames(msgs)) {
        // Sealed as a genuine phone would: hostile content from a key holder, not a forgery.
        const sealed = frame.map(async ({ kind, body }) => {
          const mid = newMid();
          return { mid, kind, body: body ?? null, wire: await phone.sealFor(kind, mid, body ?? null) };
        });
        const out = await Promise.all(sealed);
        const r = await phone.client.send(out.map(({ mid, kind, wire }) => ({ mid, kind, body: wire })));
        // A signal kind in a send frame makes the frame bad: nothing of it is stored.
        if (r.status === "error" && r.error.code === "bad_frame") continue;
        if (r.status !== "acked") throw new Error(`send: ${r.status}`);
        const refused = new Set(r.refused.map((e) => e.mid));
        for (const { mid, kind, body } of out) if (!refused.has(mid)) stored.push({ phone, mid, kind, body });
      }
    }
    // The relay refuses some with a typed error (too deep, too large, not allowed); most are stored.
    expect(stored.length).toBeGreaterThan(250);
    // Every malformed command is answered with a notice naming it, in order with the rest.
    const malformed = stored.filter(
      (m) => m.kind === "session.command" && !kinds["session.command"].body.safeParse(m.body).success,
    );
    expect(malformed.length).toBeGreaterThan(20);
    await until(
      () =>
        malformed.every((m) =>
          s.of("session.notice").some((n) => (n.body as { inputMid?: string }).inputMid === m.mid),
        )
          ? true
          : null,
      60_000,
      "a notice for every malformed command",
    );
    const requests = stored.filter(
      (m) => m.kind === "machine.create_session" || m.kind === "machine.list_resumable",
    );
    await until(
      () =>
        requests.every((m) =>
          machine.msgs.some((x) => (x.body as { requestMid?: string } | null)?.requestMid === m.mid),
        )
          ? true
          : null,
      60_000,
      "an answer to every create_session and list_resumable",
    );
    const last = await s.send("user.message", { text: "still with me?" });
    expect((await s.wait("turn.result", (t) => t.inputMid === last, 60_000)).ok).toBe(true);
    alive();
  }, 240_000);
});
