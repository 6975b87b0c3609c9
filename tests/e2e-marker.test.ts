import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PushPayload, PushShow, PushStateRes } from "../shared/protocol/index.ts";
import { BridgeWorld, type Phone, until } from "./support/bridge-world.ts";
import { openPhone, pairByLink } from "./support/phone.ts";
import { isSealed } from "./support/phone-keys.ts";
import { PushService } from "./support/push-service.ts";
import { ScriptedModel } from "./support/scripted-model.ts";
import { TetherProcess, tetherEnv } from "./support/tether-process.ts";

/**
 * End-to-end encryption (docs/protocol.md §12.1): a scripted session whose prompt, answer, tool
 * input and output and title carry a unique marker. The test phone reads all of it; the marker is
 * nowhere in what the relay persisted (every file of its storage) nor in any push the push
 * service received. Hex, so no base64url run of a ciphertext is likely to spell it.
 */
const MARK = `mk${randomBytes(10).toString("hex")}`;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The files under `dir` that hold `needle` (as bytes, whatever the file is). */
function holding(dir: string, needle: string): string[] {
  return filesUnder(dir).filter((f) => readFileSync(f).includes(needle));
}

/** Everything the phone read, opened, as one string. */
const readable = (...phones: Phone[]) => phones.map((p) => JSON.stringify(p.msgs)).join("\n");

describe("what the relay keeps (wrangler dev --persist-to) and what it pushes", () => {
  let w: BridgeWorld;
  let push: PushService;
  afterAll(async () => {
    await w?.stop();
    await push?.close();
  }, 60_000);

  it("carries a marked session end to end: the phone reads the marker, storage and pushes never hold it", async () => {
    push = await PushService.start();
    w = await BridgeWorld.start({ relayVars: { TETHER_PUSH_ALLOW_HTTP: "1" } });
    w.startBridge();
    const api = (method: string, body?: unknown) =>
      fetch(`${w.relay.url}/api/push`, {
        method,
        headers: { authorization: `Bearer ${w.deviceToken}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json());
    push.expectVapidKey(PushStateRes.parse(await api("GET")).publicKey);
    const sub = push.subscribe();
    await api("PUT", { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth }, turns: "all" });

    const machine = await w.machinePhone();
    const s = await w.createSession(machine, { title: `Title ${MARK}` });
    const file = join(w.project, `${MARK}.txt`);
    const first = await s.send("user.message", { text: `write [[write path=${file} content=${MARK}]]` });
    const req = await s.wait("permission.request");
    expect(JSON.stringify(req.input)).toContain(MARK);
    await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    await s.wait("turn.result", (t) => t.inputMid === first, 60_000);
    for (const text of [`run [[bash cmd=cat_${file}]]`, `say ${MARK}`]) {
      const input = await s.send("user.message", { text });
      await s.wait("turn.result", (t) => t.inputMid === input, 60_000);
    }

    // The phone reads every part: title, prompt, tool input and output, answer.
    expect(s.bodies("session.info").at(-1)?.title).toBe(`Title ${MARK}`);
    expect(s.of("tool.result").some((m) => JSON.stringify(m.body).includes(MARK))).toBe(true);
    expect(s.of("agent.message").some((m) => JSON.stringify(m.body).includes(MARK))).toBe(true);
    expect(machine.bodies("machine.sessions").at(-1)?.sessions[0]?.title).toBe(`Title ${MARK}`);
    expect(readable(s, machine)).toContain(MARK);
    // ...while every body on the wire is sealed, except grants (and the phone's enroll).
    for (const m of [...s.raw, ...machine.raw])
      if (m.kind !== "keys.grant" && m.kind !== "keys.enroll") expect(isSealed(m.body), m.kind).toBe(true);
    expect(JSON.stringify([s.raw, machine.raw])).not.toContain(MARK);

    // Pushes: the prompt and the turns went out; their `show` opens only with the room's keys.
    const pushes = await until(
      () => (push.received(sub.id).length >= 3 ? push.received(sub.id) : null),
      30_000,
      "three pushes",
    );
    expect(JSON.stringify(push.attempts(sub.id))).not.toContain(MARK);
    const prompt = pushes.map((p) => PushPayload.parse(p.payload)).find((p) => p.class === "prompt");
    expect(isSealed(prompt?.show)).toBe(true);
    const mid = s.raw.find((m) => m.seq === prompt?.seq)?.mid ?? "";
    const shown = w.device.openShow(s.room, mid, prompt?.show);
    expect(shown.ok && PushShow.parse(shown.body).body).toContain(MARK);

    // Storage: the relay's files hold the room (the right place is read) and never the marker.
    expect(holding(w.relay.persistDir, s.room).length).toBeGreaterThan(0);
    expect(holding(w.relay.persistDir, MARK)).toEqual([]);
  }, 180_000);
});

describe("what an embedded `tether up` relay keeps in the state dir", () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "tether-marker-")));
  const model = new ScriptedModel();
  let up: TetherProcess | null = null;
  const phones: Phone[] = [];
  afterAll(async () => {
    for (const p of phones) await p.client.close().catch(() => undefined);
    await up?.kill();
    await model.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("holds the session's room but never its marked title, prompt or answer", async () => {
    const [state, project, claude, home] = ["state", "project", "claude", "home"].map((d) => join(dir, d));
    for (const d of [project, claude, home]) mkdirSync(d!, { recursive: true });
    await model.start();
    const env = tetherEnv({ ANTHROPIC_BASE_URL: model.url, CLAUDE_CONFIG_DIR: claude, HOME: home });
    up = TetherProcess.start(["up", "--port", "0", "--state-dir", state!, "--root", project!, "--json"], env);
    const [, url] = await up.waitFor(/\{"event":"pairing","url":"([^"]+)"/);
    const device = await pairByLink(url!);
    const origin = new URL(url!).origin;
    const machine = await openPhone(origin, `m-${device.machineId}`, device);
    phones.push(machine);
    const req = await machine.send("machine.create_session", {
      cwd: project!,
      title: `Title ${MARK}`,
      prompt: `say ${MARK}`,
    });
    const { room } = await machine.wait("machine.session_created", (b) => b.requestMid === req, 60_000);
    const s = await openPhone(origin, room, device);
    phones.push(s);
    await s.wait("turn.result", () => true, 60_000);
    expect(s.of("agent.message").some((m) => JSON.stringify(m.body).includes(MARK))).toBe(true);
    expect(s.bodies("session.info").at(-1)?.title).toBe(`Title ${MARK}`);

    const storage = join(state!, "relay");
    expect(holding(storage, room).length).toBeGreaterThan(0);
    expect(holding(storage, MARK)).toEqual([]);
  }, 180_000);
});
