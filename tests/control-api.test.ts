import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusRes } from "../bridge/control/control-api.ts";
import type { StoredMsg } from "../shared/protocol/index.ts";
import { type Phone, until } from "./support/bridge-world.ts";
import { openPhone, pair, pairByLink } from "./support/phone.ts";
import { PhoneKeys } from "./support/phone-keys.ts";
import type { PairedDevice } from "./support/phone-pairing.ts";
import { mintToken } from "./support/relay-process.ts";
import { runTether, TetherProcess } from "./support/tether-process.ts";
import { ClosedError, WireClient } from "./support/wire-client.ts";

/** The commands that talk to a running bridge (and to its relay), against a real `tether up`. */
const dir = realpathSync(mkdtempSync(join(tmpdir(), "tether-control-")));
const state = join(dir, "state");
const project = join(dir, "project");
const empty = join(dir, "empty");
let up: TetherProcess;
let origin = "";
let machine: Phone;
let device: PairedDevice;
let room = "";
const opened: WireClient[] = [];

beforeAll(async () => {
  mkdirSync(project);
  mkdirSync(empty);
  up = TetherProcess.start(["up", "--port", "0", "--state-dir", state, "--root", project, "--json"]);
  const [, url] = await up.waitFor(/\{"event":"pairing","url":"(http:\/\/127\.0\.0\.1:\d+\/pair#c=[^"]+)"/);
  origin = new URL(url!).origin;
  device = await pairByLink(url!);
  machine = await openPhone(origin, `m-${device.machineId}`, device);
  const req = await machine.send("machine.create_session", { cwd: project, title: "control test" });
  room = (await machine.wait("machine.session_created", (b) => b.requestMid === req)).room;
}, 60_000);

afterAll(async () => {
  for (const c of [machine?.client, ...opened]) await c?.close();
  await up?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const tether = (...args: string[]) => runTether(args);

describe("tether status and sessions", () => {
  it("status: the relay connection, outbox depth per room, and live/sleeping sessions", async () => {
    const json = await until(
      async () => {
        const r = await tether("status", "--state-dir", state, "--json");
        const s = StatusRes.parse(JSON.parse(r.stdout));
        return s.rooms.some((x) => x.room === room && x.state === "caught_up") ? s : null;
      },
      20_000,
      "the session room caught up",
    );
    expect(json).toMatchObject({ machineId: device.machineId, relayUrl: origin, embedded: true });
    expect(json.relay.state).toBe("online");
    expect(json.rooms.map((r) => r.room).sort()).toEqual([`m-${device.machineId}`, room].sort());
    expect(json.rooms.every((r) => r.outboxDepth === 0)).toBe(true);
    expect(json.sessions).toEqual([
      expect.objectContaining({ room, title: "control test", state: "idle", live: false }),
    ]);

    const text = await tether("status", "--state-dir", state);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${origin} (embedded): online`);
    expect(text.stdout).toContain("Sessions  1: 0 live, 0 sleeping, 0 waiting");
    expect(text.stdout).toMatch(new RegExp(`${room}\\s+caught_up\\s+0`));
  }, 60_000);

  it("sessions: one line per session, or JSON", async () => {
    const text = await tether("sessions", "--state-dir", state);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${room}\\s+idle\\s+-\\s+control test\\s+${project}`));
    const json = JSON.parse((await tether("sessions", "--state-dir", state, "--json")).stdout);
    expect(json.sessions.map((s: { room: string }) => s.room)).toEqual([room]);
  }, 30_000);

  it("the control API itself: 127.0.0.1 only, the per-start secret, schema-checked bodies", async () => {
    const file = JSON.parse(readFileSync(join(state, "control.json"), "utf8"));
    expect(file.pid).toBe(up.pid);
    const base = `http://127.0.0.1:${file.port}`;
    expect((await fetch(`${base}/v1/status`)).status).toBe(401);
    const wrong = await fetch(`${base}/v1/status`, { headers: { authorization: "Bearer nope" } });
    expect(await wrong.json()).toMatchObject({ error: { code: "unauthorized" } });
    const bad = await fetch(`${base}/v1/shares`, {
      method: "POST",
      headers: { authorization: `Bearer ${file.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ room, role: "owner" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: "bad_request", message: expect.stringContaining("role") },
    });
  });

  it("one tether up per state dir: a second one is refused while the first runs", async () => {
    const r = await tether("up", "--port", "0", "--state-dir", state);
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringContaining(`tether up already runs on ${state} (pid ${up.pid})`),
    ]);
  }, 30_000);

  it("without a running bridge: a clear error, also for a stale control.json", async () => {
    for (const command of ["status", "sessions"]) {
      const r = await tether(command, "--state-dir", empty);
      expect([r.code, r.stderr]).toEqual([
        1,
        expect.stringContaining("no bridge is running for the state dir"),
      ]);
      expect(r.stderr).toContain("tether up");
    }
    const share = await tether("share", room, "--state-dir", empty);
    expect([share.code, share.stderr]).toEqual([1, expect.stringContaining("no bridge is running")]);
    const dead = spawnSync("true").pid;
    const stale = join(dir, "stale");
    mkdirSync(stale);
    writeFileSync(
      join(stale, "control.json"),
      JSON.stringify({ pid: dead, port: 9, secret: "x".repeat(43), startedAt: 1 }),
    );
    const r = await tether("status", "--state-dir", stale);
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(`pid ${dead} left`)]);
  }, 30_000);
});

describe("tether hook (Claude Code hooks of a terminal session, docs/hooks.md)", () => {
  const event = (cwd: string, name = "Stop") =>
    JSON.stringify({
      hook_event_name: name,
      session_id: "6495fd2e-6a27-449a-8bd0-314eb5a8594d",
      transcript_path: join(cwd, "t.jsonl"),
      cwd,
      stop_hook_active: false,
    });
  const hook = (input: string, name = "Stop") =>
    runTether(["hook", name, "--state-dir", state], undefined, input);

  it("a running bridge takes an event under its roots and answers without a decision", async () => {
    const r = await hook(event(project));
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "", ""]);
  });

  it("outside the roots, or hostile input: refused, and the hook still fails open with exit 0", async () => {
    const outside = await hook(event(empty));
    expect([outside.code, outside.stdout, outside.stderr]).toEqual([
      0,
      "",
      expect.stringContaining("outside_roots"),
    ]);
    for (const input of ["", "not json", "[]", event(project, "PermissionRequest"), "x".repeat(5 << 20)]) {
      const r = await hook(input);
      expect([r.code, r.stdout]).toEqual([0, ""]);
      expect(r.stderr).toContain("no decision");
    }
  });
});

describe("tether share, pair, devices and revoke", () => {
  let shareId = "";
  let shareToken = "";

  it("share: a viewer link by default; a controller link with a ttl that opens the room", async () => {
    const viewer = await tether("share", room, "--state-dir", state);
    expect(viewer.code).toBe(0);
    expect(viewer.stdout).toMatch(new RegExp(`\\(viewer\\)[\\s\\S]*${origin}/s/${room}#t=tt_`));
    const r = await tether("share", room, "--controller", "--ttl", "1h", "--state-dir", state, "--json");
    expect(r.code).toBe(0);
    const share = JSON.parse(r.stdout);
    expect(share).toMatchObject({ event: "share", url: expect.stringContaining(`${origin}/s/${room}#t=`) });
    expect(Math.abs(share.expiresAt - (Date.now() + 3_600_000))).toBeLessThan(60_000);
    shareId = share.id;
    // The fragment: the token, and the link's own secret and id for the room's keys (§12.5).
    const fragment = new URLSearchParams(new URL(share.url).hash.slice(1));
    shareToken = fragment.get("t") ?? "";
    expect(fragment.get("i")).toBe(shareId);
    const linkKeys = PhoneKeys.share(shareId, fragment.get("k") ?? "");
    const seen: StoredMsg[] = [];
    const guest = await WireClient.open(origin.replace("http", "ws"), room, shareToken, {
      onMsg: (m) => seen.push(m),
    });
    opened.push(guest);
    expect((await guest.hello({ cid: "guestcid01", since: 0 })).role).toBe("controller");
    // The link holder reads the room: its grant came with the share.
    const info = await until(
      () => {
        for (const m of seen) if (m.kind === "keys.grant") linkKeys.takeGrant(room, m.body);
        const m = seen.find((x) => x.kind === "session.info");
        const o = m ? linkKeys.open({ room, kind: m.kind, mid: m.mid }, m.body) : null;
        return o?.ok ? o.body : null;
      },
      20_000,
      "the share link to open session.info",
    );
    expect(info).toMatchObject({ title: "control test" });
  }, 30_000);

  it("share: clear errors for an unknown room, a machine room, a bad ttl and conflicting roles", async () => {
    const cases: [string[], number, string][] = [
      [["s-AAAAAAAAAAAAAAAAAAAAAA"], 1, "no session room s-AAAAAAAAAAAAAAAAAAAAAA"],
      [[`m-${device.machineId}`], 1, "no session room"],
      [[room, "--ttl", "31d"], 2, "--ttl: a share lives at most 30 days"],
      [[room, "--ttl", "soon"], 2, "--ttl: expected a duration"],
      [[room, "--viewer", "--controller"], 2, "exclude each other"],
      [[], 2, "expected one session room"],
    ];
    for (const [args, code, message] of cases) {
      const r = await tether("share", ...args, "--state-dir", state);
      expect([args, r.code, r.stderr]).toEqual([args, code, expect.stringContaining(message)]);
    }
  }, 60_000);

  it("pair: a new one-time link that pairs another phone", async () => {
    const r = await tether("pair", "--state-dir", state, "--json");
    expect(r.code).toBe(0);
    const { url } = JSON.parse(r.stdout);
    expect(url).toMatch(new RegExp(`^${origin}/pair#c=[\\w-]+&m=[\\w-]{87}&p=[\\w-]{43}$`));
    const phone = await pair(origin, new URLSearchParams(new URL(url).hash.slice(1)).get("c") ?? "");
    expect(phone).toMatchObject({ status: 201, machineId: device.machineId });
    const text = await tether("pair", "--state-dir", state);
    expect(text.stdout).toContain("/pair#c=");
    expect(text.stdout).toContain("▀");
    // --app: opened in the app of the relay the phone already uses, which pairs with this one.
    const onApp = await tether("pair", "--state-dir", state, "--json", "--app", "https://relay-a.example");
    const there = new URL(JSON.parse(onApp.stdout).url);
    expect(`${there.origin}${there.pathname}`).toBe("https://relay-a.example/pair");
    const parts = new URLSearchParams(there.hash.slice(1));
    expect(parts.get("r")).toBe(origin);
    expect(await pair(origin, parts.get("c") ?? "")).toMatchObject({
      status: 201,
      machineId: device.machineId,
    });
    const bad = await tether("pair", "--state-dir", state, "--app", "https://relay-a.example/x");
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("--app:")]);
  }, 30_000);

  it("devices: paired phones and share links; revoke closes a share's socket and removes it from the list", async () => {
    const list = await tether("devices", "--state-dir", state);
    expect(list.code).toBe(0);
    // The first phone, and the two the pair test paired (its own link and the --app one).
    expect(list.stdout.match(/phone\s+test phone/g)?.length).toBe(3);
    expect(list.stdout).toMatch(new RegExp(`${shareId}\\s+share \\(controller\\)\\s+${room}`));
    const json = await tether("devices", "--state-dir", state, "--json");
    expect(json.stdout).not.toContain("tt_");

    const guest = opened.at(-1)!;
    const revoked = await tether("revoke", shareId, "--state-dir", state);
    expect([revoked.code, revoked.stdout]).toEqual([0, `Revoked ${shareId}.\n`]);
    expect((await guest.closed).code).toBe(4001);
    // The bridge rotated the room's key: the next generation, for the paired phone and the viewer
    // link still live, never for the revoked link (§12.7).
    const inRoom = await openPhone(origin, room, device);
    opened.push(inRoom.client);
    const first = () => Math.min(...inRoom.bodies("keys.grant").flatMap((g) => g.keys.map((k) => k.k)));
    const grant2 = await inRoom.wait("keys.grant", (g) => g.keys.some((k) => k.k === first() + 1), 20_000);
    const to = grant2.keys.map((k) => k.to);
    expect(to).toContain(device.device.id);
    expect(to).not.toContain(`s:${shareId}`);
    expect(to.filter((r) => r.startsWith("s:"))).toHaveLength(1);
    expect((await tether("devices", "--state-dir", state)).stdout).not.toContain(shareId);
    expect((await tether("devices", "--all", "--state-dir", state)).stdout).toMatch(
      new RegExp(`${shareId}.*revoked`),
    );

    const unknown = await tether("revoke", "tk_unknown", "--state-dir", state);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining("no token tk_unknown")]);
    const none = await tether("devices", "--state-dir", empty);
    expect([none.code, none.stderr]).toEqual([1, expect.stringContaining("no machine is set up")]);
  }, 60_000);

  it("tether bridge serves the same control API, and stops cleanly on SIGTERM", async () => {
    const secret = readFileSync(join(state, "relay", "secret"), "utf8").trim();
    const other = "mcother0001";
    const { token } = await mintToken({ url: origin, secret }, "bridge", other);
    const otherState = join(dir, "other");
    const bridge = TetherProcess.start([
      "bridge",
      "--relay",
      origin,
      "--token",
      token,
      "--machine",
      other,
      "--state-dir",
      otherState,
      "--root",
      project,
    ]);
    const status = await until(
      async () => {
        const r = await tether("status", "--state-dir", otherState, "--json");
        return r.code === 0 && StatusRes.parse(JSON.parse(r.stdout)).relay.state === "online" ? r : null;
      },
      20_000,
      "the second bridge online",
    );
    expect(JSON.parse(status.stdout)).toMatchObject({ machineId: other, embedded: false, sessions: [] });
    expect(statSync(join(otherState, "control.json")).mode & 0o777).toBe(0o600);
    expect(await bridge.stop("SIGTERM")).toBe(0);
    const after = await tether("status", "--state-dir", otherState);
    expect([after.code, after.stderr]).toEqual([1, expect.stringContaining("no bridge is running")]);
  }, 60_000);

  it("tether bridge: a URL that is not a Tether relay is a clear error", async () => {
    const server = createServer((_req, res) =>
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>nope</h1>"),
    );
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const args = ["--token", "tt_x", "--machine", "mcnorelay01", "--state-dir", join(dir, "norelay")];
      const r = await tether("bridge", "--relay", `http://127.0.0.1:${port}`, ...args);
      expect([r.code, r.stderr]).toEqual([1, expect.stringContaining("does not look like a Tether relay")]);
    } finally {
      server.close();
    }
  }, 30_000);

  it("revoking the bridge's own token needs --force, stops the bridge with a clear message, and blocks restarts", async () => {
    const config = JSON.parse(readFileSync(join(state, "config.json"), "utf8"));
    const res = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${config.token}` } });
    const me = (await res.json()) as { id: string };
    const refused = await tether("revoke", me.id, "--state-dir", state);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining("--force")]);
    const forced = await tether("revoke", me.id, "--force", "--state-dir", state);
    expect(forced.code).toBe(0);
    expect(await up.exited).toBe(3);
    expect(up.stderr).toContain("The relay refused the bridge token");
    const logs = up.stderr.trim().split("\n");
    expect(
      logs.filter((l) => !l.startsWith("{")),
      "--json: every log line is JSON",
    ).toEqual([]);
    expect(logs.map((l) => JSON.parse(l).level)).toContain("error");
    await expect(machine.client.next("welcome")).rejects.toBeInstanceOf(ClosedError);

    const down = await tether("pair", "--state-dir", state);
    expect([down.code, down.stderr]).toEqual([1, expect.stringContaining("is `tether up` running?")]);
    const again = await tether("up", "--port", "0", "--state-dir", state);
    expect([again.code, again.stderr]).toEqual([3, expect.stringContaining("bridge token (revoked)")]);
  }, 60_000);
});
