import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../bridge/embedded/bundle-worker.ts";
import { RELAY_CONFIG, REPO_ROOT } from "../bridge/embedded/relay-config.ts";
import { MachineSessions } from "../shared/protocol/index.ts";
import { type Phone, until } from "./support/bridge-world.ts";
import { openPhone, pair, pairByLink } from "./support/phone.ts";
import { freePort } from "./support/relay-process.ts";
import { runTether, TetherProcess, tetherEnv } from "./support/tether-process.ts";

const dirs: string[] = [];
const phones: Phone[] = [];
afterAll(async () => {
  for (const p of phones) await p.client.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "tether-up-")));
  dirs.push(d);
  return d;
}

const LINK = /(http:\/\/127\.0\.0\.1:\d+)\/pair#c=([A-Za-z0-9_-]+)&m=[\w-]+&p=[\w-]+/;

describe("npm start: the embedded relay and the bridge", () => {
  it("pairs a phone from the printed link, stops cleanly on SIGINT, and starts again on the same state", async () => {
    const dir = tempDir();
    const [state, project] = [join(dir, "state"), join(dir, "project")];
    mkdirSync(project);
    const env = tetherEnv({ TETHER_STATE_DIR: state });
    const port = await freePort();

    const t0 = performance.now();
    const first = TetherProcess.npmStart(["--port", String(port), "--root", project], env);
    const [url, origin, code] = await first.waitFor(LINK);
    const coldMs = performance.now() - t0;
    expect(origin).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${origin}/healthz`)).json()).toMatchObject({ ok: true });
    const phone = await pairByLink(url);
    expect((await pair(origin!, code!)).status, "a pairing code works once").toBe(400);
    const config = JSON.parse(readFileSync(join(state, "config.json"), "utf8"));
    expect(phone.machineId).toBe(config.machineId);
    for (const file of ["config.json", "control.json", "relay/secret"])
      expect(statSync(join(state, file)).mode & 0o777, file).toBe(0o600);

    const machine = await openPhone(origin!, `m-${phone.machineId}`, phone);
    phones.push(machine);
    expect(await machine.wait("machine.info")).toMatchObject({
      machineId: phone.machineId,
    });
    const req = await machine.send("machine.create_session", { cwd: project, title: "survives restarts" });
    const { room } = await machine.wait("machine.session_created", (b) => b.requestMid === req);

    await first.stop("SIGINT");
    expect(first.stderr).toContain("bridge stopped");
    expect(() => statSync(join(state, "control.json")), "control.json is removed").toThrow();
    await machine.client.closed;

    const t1 = performance.now();
    const second = TetherProcess.npmStart(["--root", project], env);
    const [, again] = await second.waitFor(/relay (http:\/\/127\.0\.0\.1:\d+) \(embedded\)/);
    await second.waitFor(/1 phone is paired/);
    const warmMs = performance.now() - t1;
    expect(again, "the port of the last start is taken again").toBe(origin);
    expect(second.stdout).not.toMatch(LINK);
    expect(JSON.parse(readFileSync(join(state, "config.json"), "utf8")).machineId).toBe(config.machineId);
    const back = await openPhone(again!, `m-${phone.machineId}`, phone);
    phones.push(back);
    // The phone replays the room from the start, so the first start's list is there at once: read
    // the list the restarted bridge published after its own machine.info.
    const infos = await until(
      () => (back.of("machine.info").length >= 2 ? back.of("machine.info") : null),
      30_000,
      "machine.info of the restarted bridge",
    );
    expect(infos.length, "machine.info again, same machine").toBe(2);
    const restartedAt = infos[1]!.seq;
    const listed = await until(
      () => back.of("machine.sessions").find((m) => m.seq > restartedAt) ?? null,
      30_000,
      "machine.sessions of the restarted bridge",
    );
    const sessions = MachineSessions.parse(listed.body).sessions;
    expect(sessions.find((s) => s.room === room)?.title).toBe("survives restarts");
    await second.stop("SIGINT");
    console.info(
      `npm start to pairing link: cold ${coldMs.toFixed(0)} ms; second start ${warmMs.toFixed(0)} ms`,
    );
  }, 120_000);

  it("an explicit port in use is a clear error; so is a bad --port", async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const busy = await runTether(["up", "--port", String(port), "--state-dir", join(tempDir(), "s")]);
      expect([busy.code, busy.stderr]).toEqual([
        1,
        expect.stringContaining(`port ${port} on 127.0.0.1 is in use`),
      ]);
    } finally {
      server.close();
    }
    const bad = await runTether(["up", "--port", "http", "--state-dir", join(tempDir(), "s")]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("--port: expected a port number")]);
    for (const peer of ["ftp://relay-b.example", "https://relay-b.example/app"]) {
      const r = await runTether(["up", "--peer-relay", peer, "--state-dir", join(tempDir(), "s")]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("is not a relay's origin")]);
    }
  }, 60_000);

  it("a state dir set up for another relay is refused with what to do instead", async () => {
    const state = join(tempDir(), "state");
    mkdirSync(state);
    const foreign = {
      relayUrl: "https://relay.example",
      token: "tt_x",
      machineId: "mcforeign01",
      cid: "brforeign01",
    };
    writeFileSync(join(state, "config.json"), JSON.stringify(foreign));
    const r = await runTether(["up", "--port", "0", "--state-dir", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("holds machine mcforeign01 of the relay at https://relay.example");
    expect(r.stderr).toContain("tether bridge");
  }, 60_000);
});

describe("the embedded relay's Worker", () => {
  it("is configured like wrangler.toml (wrangler's own reading of it)", async () => {
    const { unstable_readConfig } = await import("wrangler");
    const w = unstable_readConfig({ config: join(REPO_ROOT, "wrangler.toml") });
    expect(w.name).toBe(RELAY_CONFIG.name);
    expect(w.main).toBe(join(REPO_ROOT, RELAY_CONFIG.main));
    expect(w.compatibility_date).toBe(RELAY_CONFIG.compatibilityDate);
    expect(w.vars).toMatchObject(RELAY_CONFIG.vars);
    expect(
      w.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, b.class_name]),
    ).toEqual(Object.entries(RELAY_CONFIG.durableObjects));
    expect(
      w.migrations.flatMap((m: { new_sqlite_classes?: string[] }) => m.new_sqlite_classes ?? []).sort(),
    ).toEqual(Object.values(RELAY_CONFIG.durableObjects).sort());
    const { assets } = RELAY_CONFIG;
    expect(w.assets).toMatchObject({
      directory: assets.directory,
      binding: assets.binding,
      not_found_handling: assets.notFoundHandling,
      run_worker_first: assets.runWorkerFirst,
    });
    expect(w.build.command).toContain(RELAY_CONFIG.buildWeb);
  }, 60_000);

  it("is bundled once and again only when a source changes", async () => {
    const root = tempDir();
    mkdirSync(join(root, "relay"));
    mkdirSync(join(root, "shared"));
    writeFileSync(join(root, "package-lock.json"), "{}");
    writeFileSync(join(root, "shared", "greeting.ts"), 'export const greeting = "one";\n');
    writeFileSync(
      join(root, "relay", "worker.ts"),
      'import { greeting } from "../shared/greeting.ts";\nexport default { fetch: () => new Response(greeting) };\n',
    );
    const cache = join(root, "cache");
    const a = await bundleWorker(cache, root);
    expect(a.rebuilt).toBe(true);
    expect(readFileSync(a.path, "utf8")).toContain('"one"');
    expect((await bundleWorker(cache, root)).rebuilt).toBe(false);
    writeFileSync(join(root, "shared", "greeting.ts"), 'export const greeting = "two";\n');
    const c = await bundleWorker(cache, root);
    expect(c.rebuilt).toBe(true);
    expect(c.hash).not.toBe(a.hash);
    expect(readFileSync(c.path, "utf8")).toContain('"two"');
  });
});
