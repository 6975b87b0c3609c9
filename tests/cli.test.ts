import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RelayProcess, startRelay } from "./support/relay-process.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const dirs: string[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelay();
}, 60_000);
afterAll(async () => {
  await relay?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `npx tether …` from the repo, as a person would (stdin is not a terminal). */
function tether(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const options = { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } };
  return new Promise((resolve) => {
    execFile("npx", ["tether", ...args], options, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tether-cli-"));
  dirs.push(d);
  return d;
}

describe("tether CLI", () => {
  it("--help documents the commands and their flags", async () => {
    const top = await tether(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/init[\s\S]*bridge/);
    const bridge = await tether(["bridge", "--help"]);
    for (const flag of [
      "--relay",
      "--token",
      "--machine",
      "--name",
      "--state-dir",
      "--root",
      "--idle-sleep",
      "--max-live",
      "--max-live-memory",
      "--permission-timeout",
    ]) {
      expect(bridge.stdout).toContain(flag);
    }
    expect(bridge.stdout).toContain("TETHER_ROOTS");
    const unknown = await tether(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  }, 60_000);

  it("init: clear errors for a bad URL, an unreachable relay, a wrong secret; then saves a private config", async () => {
    const dir = stateDir();
    const secretOf = (value: string) => ({ TETHER_RELAY_SECRET: value });
    const bad = await tether(["init", "--relay", "not a url", "--state-dir", dir], secretOf("x"));
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("is not a URL")]);
    const port = await freePort();
    const down = await tether(
      ["init", "--relay", `http://127.0.0.1:${port}`, "--state-dir", dir],
      secretOf("x"),
    );
    expect([down.code, down.stderr]).toEqual([1, expect.stringContaining("cannot reach the relay")]);
    const wrong = await tether(["init", "--relay", relay.url, "--state-dir", dir], secretOf("wrong-secret"));
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining("refused the secret")]);
    const ok = await tether(["init", "--relay", relay.url, "--state-dir", dir], secretOf(relay.secret));
    expect(ok.code).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      relayUrl: relay.url,
      token: expect.stringMatching(/^tt_/),
      machineId: expect.any(String),
    });
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    const me = await fetch(`${relay.url}/api/me`, { headers: { authorization: `Bearer ${config.token}` } });
    expect(await me.json()).toMatchObject({ kind: "bridge", machineId: config.machineId });
    const again = await tether(["init", "--relay", relay.url, "--state-dir", dir], secretOf(relay.secret));
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining("--force")]);
  }, 90_000);

  it("init: refuses a secret on the command line and says how to give it; without one, asks only a terminal", async () => {
    const dir = stateDir();
    const flag = await tether(["init", "--relay", relay.url, "--secret", relay.secret, "--state-dir", dir]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--secret is refused");
    expect(flag.stderr).toContain("TETHER_RELAY_SECRET");
    expect(flag.stderr).not.toContain(relay.secret);
    // A secret starting with "-" (base64url allows it) gets the same refusal, not a parser error.
    for (const form of [["--secret", "-abc"], ["--secret=-abc"]]) {
      const dashed = await tether(["init", "--relay", relay.url, ...form, "--state-dir", dir]);
      expect(dashed.code).toBe(2);
      expect(dashed.stderr).toContain("--secret is refused");
    }
    const none = await tether(["init", "--relay", relay.url, "--state-dir", dir], {
      TETHER_RELAY_SECRET: "",
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("stdin is not a terminal");
    expect(none.stderr).toContain("TETHER_RELAY_SECRET");
    expect(existsSync(join(dir, "config.json"))).toBe(false);
    const help = await tether(["init", "--help"]);
    expect(help.stdout).toContain("TETHER_RELAY_SECRET");
    expect(help.stdout).toContain("without echo");
  }, 90_000);

  it("bridge without a configuration says how to get one", async () => {
    const r = await tether(["bridge", "--state-dir", stateDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tether init");
  }, 60_000);
});
