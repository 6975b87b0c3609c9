import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairByLink } from "./support/phone-pairing.ts";
import { type RelayProcess, startRelay } from "./support/relay-process.ts";
import { standinCalls as calls, runDeploy as deploy, standinEnv } from "./support/tether-deploy.ts";

/**
 * `tether deploy`. Cloudflare cannot be reached from here, so wrangler's side is either the real
 * wrangler's `deploy --dry-run` (bundles, contacts nothing) or a recording stand-in for Cloudflare
 * (tests/support/wrangler-standin.mjs) whose deploy "lands" on a real local relay: everything of
 * ours (secret handling, init, pairing) runs for real against it. Re-runs (--force, --new-secret,
 * a refused token, --json): deploy-command-reruns.test.ts.
 */
const work = mkdtempSync(join(tmpdir(), "tether-deploy-cmd-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh state dir path (not created) and record file for one run of the stand-in. */
function fresh() {
  n++;
  return { stateDir: join(work, `state-${n}`), record: join(work, `record-${n}.jsonl`) };
}

it("--dry-run bundles the Worker with the real wrangler and prints the plan; the state dir is untouched", async () => {
  const { stateDir } = fresh();
  const outdir = join(work, "bundle");
  const r = await deploy(["--dry-run", "--outdir", outdir, "--state-dir", stateDir], {});
  expect([r.code, r.stderr.match(/tether deploy: .*/)?.[0]]).toEqual([0, undefined]);
  expect(statSync(join(outdir, "worker.js")).size).toBeGreaterThan(100_000);
  expect(r.stdout).toContain(join(outdir, "worker.js"));
  const plan = [...r.stdout.matchAll(/^ {2}(\d)\. (\w+):/gm)].map((m) => `${m[1]}.${m[2]}`);
  expect(plan).toEqual(["1.login", "2.deploy", "3.secret", "4.bridge", "5.pair"]);
  expect(r.stdout).toMatch(
    /secret: wrangler secret put TETHER_RELAY_SECRET --name tether-relay with a new secret/,
  );
  expect(r.stdout).toContain(`Then: tether bridge --state-dir ${stateDir}`);
  expect(existsSync(stateDir)).toBe(false);
}, 150_000);

describe("against a stand-in for Cloudflare whose deploy lands on a local relay", () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay();
  }, 120_000);
  afterAll(() => relay?.dispose());

  it("logs in, deploys, sets the secret through stdin, registers the machine, pairs; a re-run updates in place", async () => {
    const { stateDir, record } = fresh();
    const env = standinEnv(record, {
      STANDIN_URL: relay.url,
      STANDIN_LOGGED_OUT: "1",
      TETHER_RELAY_SECRET: relay.secret,
    });
    const first = await deploy(["--state-dir", stateDir, "--worker", "tether-test"], env);
    expect([first.code, first.stderr.match(/tether deploy: .*/)?.[0]]).toEqual([0, undefined]);

    expect(calls(record).map((c) => c.argv.join(" "))).toEqual([
      "whoami --json",
      "login",
      "whoami --json",
      "deploy --name tether-test",
      "secret put TETHER_RELAY_SECRET --name tether-test",
    ]);
    const put = calls(record)[4];
    expect(put?.stdin).toBe(relay.secret);
    for (const c of calls(record)) expect(c.argv.join(" ")).not.toContain(relay.secret);
    expect(`${first.stdout}${first.stderr}`).not.toContain(relay.secret);
    // The stand-in's whoami carries an escape sequence in the email: none reaches the terminal.
    expect(`${first.stdout}${first.stderr}`).not.toContain("\u001b");
    expect(first.stdout).toContain("logged in as me@example.com");
    expect(statSync(join(stateDir, "deployed-relay-secret")).mode & 0o777).toBe(0o600);

    const config = JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8")) as {
      relayUrl: string;
      machineId: string;
    };
    expect(config.relayUrl).toBe(relay.url);
    const link = first.stdout.match(/https?:\/\/\S+\/pair#\S+/)?.[0];
    expect(link?.startsWith(`${relay.url}/pair#`)).toBe(true);
    const phone = await pairByLink(link ?? "");
    expect(phone.machineId).toBe(config.machineId);
    expect(first.stdout).toContain(`tether bridge --state-dir ${stateDir}`);

    // Again, logged in, with another secret in the environment: the code is updated, the secret and machine kept.
    const again = await deploy(
      ["--state-dir", stateDir, "--worker", "tether-test"],
      standinEnv(record, { STANDIN_URL: relay.url, TETHER_RELAY_SECRET: "x".repeat(40) }),
    );
    expect([again.code, again.stderr.match(/tether deploy: .*/)?.[0]]).toEqual([0, undefined]);
    expect(
      calls(record)
        .slice(5)
        .map((c) => c.argv.join(" ")),
    ).toEqual(["whoami --json", "deploy --name tether-test"]);
    expect(again.stdout).toContain(`Kept machine ${config.machineId}`);
    const kept = JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8")) as { machineId: string };
    expect(kept.machineId).toBe(config.machineId);
    expect(readFileSync(join(stateDir, "deployed-relay-secret"), "utf8").trim()).toBe(relay.secret);
    const second = await pairByLink(again.stdout.match(/https?:\/\/\S+\/pair#\S+/)?.[0] ?? "");
    expect(second.machineId).toBe(config.machineId);
  }, 150_000);
});

describe("clear errors, nothing saved", () => {
  it("wrangler missing", async () => {
    const { stateDir } = fresh();
    const r = await deploy(["--state-dir", stateDir], { TETHER_WRANGLER: join(work, "no-wrangler") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tether deploy: TETHER_WRANGLER=.*no-wrangler does not exist/);
    expect(existsSync(stateDir)).toBe(false);
  }, 60_000);

  it("a failing deploy: its error's tail is shown, cleaned, and no secret is set", async () => {
    const { stateDir, record } = fresh();
    const r = await deploy(["--state-dir", stateDir], standinEnv(record, { STANDIN_DEPLOY: "fail" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrangler deploy failed \(exit 1\); nothing was saved/);
    expect(r.stderr).toContain("Authentication error [code: 10000]");
    expect(r.stderr).not.toContain("\u001b");
    expect(calls(record).map((c) => c.argv[0])).toEqual(["whoami", "deploy"]);
    expect(existsSync(stateDir)).toBe(false);
  }, 60_000);

  it("a deploy whose output names no URL: --url is the way out", async () => {
    const { stateDir, record } = fresh();
    const r = await deploy(["--state-dir", stateDir], standinEnv(record, { STANDIN_DEPLOY: "no-url" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names no URL for it.*--url https:\/\/YOUR-HOST/);
    expect(calls(record).map((c) => c.argv[0])).toEqual(["whoami", "deploy"]);
    expect(existsSync(stateDir)).toBe(false);
  }, 60_000);

  it("a state dir holding tether up's machine: refused before anything is deployed, the choices named", async () => {
    const { stateDir, record } = fresh();
    mkdirSync(join(stateDir, "relay"), { recursive: true });
    const saved = { relayUrl: "http://127.0.0.1:8787", token: "t", machineId: "mcEmbedded", cid: "brX" };
    writeFileSync(join(stateDir, "config.json"), JSON.stringify(saved));
    const r = await deploy(["--state-dir", stateDir], standinEnv(record));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("holds machine mcEmbedded on the embedded relay of `tether up`");
    expect(r.stderr).toMatch(/phones hold tokens only that relay knows/);
    expect(r.stderr).toMatch(/tether deploy --state-dir DIR[\s\S]*tether deploy --force/);
    expect(calls(record)).toEqual([]);
    expect(JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8"))).toEqual(saved);
  }, 60_000);
});
