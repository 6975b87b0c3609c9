import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairByLink } from "./support/phone-pairing.ts";
import { type RelayProcess, restartRelay, startRelay } from "./support/relay-process.ts";
import {
  outcome,
  pairingLinkIn,
  runDeploy,
  savedMachine,
  standinCalls,
  standinCommands,
  standinEnv,
} from "./support/tether-deploy.ts";

/**
 * `tether deploy` run again on a state dir (tests/deploy-command.test.ts has the first run): --force,
 * a saved bridge token the relay refuses, --json and --new-secret. The stand-in for Cloudflare
 * (tests/support/wrangler-standin.mjs) lands every deploy on one local relay; every Worker name
 * lands there too, which is enough: what differs per Worker is what tether sends to wrangler.
 */
const work = mkdtempSync(join(tmpdir(), "tether-deploy-reruns-"));
let relay: RelayProcess;
beforeAll(async () => {
  relay = await startRelay();
}, 120_000);
afterAll(async () => {
  await relay?.dispose();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** A fresh state dir path (not created) and record file for the stand-in's calls. */
function fresh() {
  n++;
  return { stateDir: join(work, `state-${n}`), record: join(work, `record-${n}.jsonl`) };
}

/** A first deploy of `worker` into a new state dir, logged in, with the relay's own secret. */
async function firstDeploy(worker = "tether-test") {
  const { stateDir, record } = fresh();
  const env = standinEnv(record, { STANDIN_URL: relay.url, TETHER_RELAY_SECRET: relay.secret });
  const r = await runDeploy(["--state-dir", stateDir, "--worker", worker], env);
  expect(outcome(r)).toEqual([0, undefined]);
  expect(standinCommands(record)).toHaveLength(3);
  return { stateDir, record, machine: savedMachine(stateDir), stdout: r.stdout };
}

/** Runs deploy again on `stateDir`, recording into the same file; TETHER_RELAY_SECRET unset. */
const again = (stateDir: string, record: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
  runDeploy(["--state-dir", stateDir, ...args], standinEnv(record, { STANDIN_URL: relay.url, ...extra }));

/** Revokes every bridge token of `machineId` with the relay secret, as `tether revoke` on it would. */
async function revokeMachine(machineId: string): Promise<void> {
  const auth = { authorization: `Bearer ${relay.secret}` };
  const list = (await (await fetch(`${relay.url}/api/tokens`, { headers: auth })).json()) as {
    tokens: { id: string; kind: string; machineId: string }[];
  };
  const mine = list.tokens.filter((t) => t.kind === "bridge" && t.machineId === machineId);
  expect(mine.length).toBeGreaterThan(0);
  for (const t of mine) {
    const res = await fetch(`${relay.url}/api/tokens/${t.id}`, { method: "DELETE", headers: auth });
    expect(res.status).toBe(200);
  }
}

/** GET /api/me with a bearer: its status and the machine it names. */
async function me(token: string): Promise<{ status: number; machineId?: string }> {
  const res = await fetch(`${relay.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { machineId?: string };
  return res.status === 200 ? { status: 200, machineId: body.machineId ?? "" } : { status: res.status };
}

/** The status of the secret-authenticated endpoint (GET /api/tokens) with `secret` as the bearer. */
async function secretStatus(secret: string): Promise<number> {
  const res = await fetch(`${relay.url}/api/tokens`, { headers: { authorization: `Bearer ${secret}` } });
  await res.body?.cancel();
  return res.status;
}

describe("--force", () => {
  it("another Worker's machine: refused before anything is deployed; --force gives the new Worker its own secret and machine", async () => {
    const a = await firstDeploy("tether-a");
    const refused = await again(a.stateDir, a.record, ["--worker", "tether-b"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`holds machine ${a.machine.machineId} on another relay`);
    expect(refused.stderr).toContain("Nothing was deployed");
    expect(standinCommands(a.record, 3)).toEqual([]);
    expect(savedMachine(a.stateDir)).toEqual(a.machine);

    const env = { TETHER_RELAY_SECRET: relay.secret };
    const forced = await again(a.stateDir, a.record, ["--worker", "tether-b", "--force"], env);
    expect(outcome(forced)).toEqual([0, undefined]);
    // tether-a's secret is not tether-b's: the new Worker gets one of its own.
    expect(standinCommands(a.record, 3)).toEqual([
      "whoami --json",
      "deploy --name tether-b",
      "secret put TETHER_RELAY_SECRET --name tether-b",
    ]);
    const b = savedMachine(a.stateDir);
    expect(b.machineId).not.toBe(a.machine.machineId);
    expect(forced.stdout).toContain(`in place of ${a.machine.machineId}`);
    expect((await pairByLink(pairingLinkIn(forced.stdout))).machineId).toBe(b.machineId);

    // From now on the state dir is tether-b's: a re-run without --worker updates it and keeps its machine.
    const kept = await again(a.stateDir, a.record);
    expect(outcome(kept)).toEqual([0, undefined]);
    expect(standinCommands(a.record, 6)).toEqual(["whoami --json", "deploy --name tether-b"]);
    expect(kept.stdout).toContain(`Kept machine ${b.machineId}`);
  }, 150_000);

  it("tether up's state dir moves to the deployed relay: a new machine, phones pair again, the embedded relay's storage is left alone", async () => {
    const { stateDir, record } = fresh();
    mkdirSync(join(stateDir, "relay"), { recursive: true });
    writeFileSync(join(stateDir, "relay", "history"), "the embedded relay's rooms");
    const embedded = { relayUrl: "http://127.0.0.1:8787", token: "t", machineId: "mcEmbedded", cid: "brX" };
    writeFileSync(join(stateDir, "config.json"), JSON.stringify(embedded));

    const r = await again(stateDir, record, ["--force"], { TETHER_RELAY_SECRET: relay.secret });
    expect(outcome(r)).toEqual([0, undefined]);
    expect(standinCommands(record)).toEqual([
      "whoami --json",
      "deploy --name tether-relay",
      "secret put TETHER_RELAY_SECRET --name tether-relay",
    ]);
    const moved = savedMachine(stateDir);
    expect(moved.relayUrl).toBe(relay.url);
    expect(moved.machineId).not.toBe("mcEmbedded");
    expect(await me(moved.token)).toEqual({ status: 200, machineId: moved.machineId });
    expect(r.stdout).toMatch(/in place of mcEmbedded\. Phones paired before .* pair them again/);
    expect(readFileSync(join(stateDir, "relay", "history"), "utf8")).toBe("the embedded relay's rooms");
    expect((await pairByLink(pairingLinkIn(r.stdout))).machineId).toBe(moved.machineId);

    const kept = await again(stateDir, record);
    expect(outcome(kept)).toEqual([0, undefined]);
    expect(kept.stdout).toContain(`Kept machine ${moved.machineId}`);
  }, 150_000);
});

describe("a re-run whose saved bridge token the deployed relay refuses", () => {
  it("registers the machine again with the saved secret and says so; phones pair with the new machine", async () => {
    const first = await firstDeploy();
    const old = first.machine.machineId;
    await revokeMachine(old);

    const r = await again(first.stateDir, first.record);
    expect(outcome(r)).toEqual([0, undefined]);
    expect(standinCommands(first.record, 3)).toEqual(["whoami --json", "deploy --name tether-test"]);
    const now = savedMachine(first.stateDir);
    expect(now.machineId).not.toBe(old);
    expect(r.stdout).toContain(`no longer knows machine ${old}`);
    expect(r.stdout).toContain(`registered machine ${now.machineId} instead. Phones pair again.`);
    expect(await me(now.token)).toEqual({ status: 200, machineId: now.machineId });
    expect((await pairByLink(pairingLinkIn(r.stdout))).machineId).toBe(now.machineId);
  }, 150_000);

  it("when the saved secret is no longer the Worker's either: stops, naming --new-secret; the state dir keeps its machine", async () => {
    const first = await firstDeploy();
    await revokeMachine(first.machine.machineId);
    writeFileSync(
      join(first.stateDir, "deployed-relay-secret"),
      `${randomBytes(32).toString("base64url")}\n`,
    );

    const r = await again(first.stateDir, first.record);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tether deploy: .*refused .*secret[\s\S]*tether deploy --new-secret/);
    expect(savedMachine(first.stateDir)).toEqual(first.machine);
  }, 150_000);
});

describe("--json", () => {
  /** Every stdout line parsed; each must be a JSON object. */
  const jsonLines = (stdout: string): Record<string, unknown>[] =>
    stdout
      .trimEnd()
      .split("\n")
      .map((line) => {
        const value: unknown = JSON.parse(line);
        expect(value, line).toBeTypeOf("object");
        expect(Array.isArray(value), line).toBe(false);
        return value as Record<string, unknown>;
      });

  it("logged out, first deploy: stdout is JSON lines ending with the pairing link; steps and wrangler login's text go to stderr", async () => {
    const { stateDir, record } = fresh();
    const env = { STANDIN_LOGGED_OUT: "1", TETHER_RELAY_SECRET: relay.secret };
    const r = await again(stateDir, record, ["--json"], env);
    expect(outcome(r)).toEqual([0, undefined]);
    expect(standinCommands(record).slice(0, 2)).toEqual(["whoami --json", "login"]);

    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.event)).toEqual(["deployed", "pairing"]);
    const machineId = savedMachine(stateDir).machineId;
    expect(lines[0]).toMatchObject({ url: relay.url, machineId, bridge: "new", secretSet: true });
    const last = lines.at(-1) as { url: string };
    expect((await pairByLink(last.url)).machineId).toBe(machineId);
    expect(r.stderr).toContain("Successfully logged in.");
    expect(r.stderr).toContain("step 5/5");
    expect(`${r.stdout}${r.stderr}`).not.toContain(relay.secret);
  }, 150_000);

  it("a re-run that had to register the machine again says so in its JSON", async () => {
    const first = await firstDeploy();
    const kept = jsonLines((await again(first.stateDir, first.record, ["--json"])).stdout);
    expect(kept[0]).toMatchObject({ event: "deployed", bridge: "keep", machineId: first.machine.machineId });

    await revokeMachine(first.machine.machineId);
    const r = await again(first.stateDir, first.record, ["--json"]);
    expect(outcome(r)).toEqual([0, undefined]);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.event)).toEqual(["deployed", "pairing"]);
    const now = savedMachine(first.stateDir).machineId;
    expect(lines[0]).toMatchObject({
      bridge: "register-again",
      machineId: now,
      previousMachineId: first.machine.machineId,
    });
    expect(r.stderr).toContain(`no longer knows machine ${first.machine.machineId}`);
  }, 150_000);
});

describe("secrets", () => {
  it("a TETHER_RELAY_SECRET too short to be kept is refused before anything is deployed", async () => {
    const { stateDir, record } = fresh();
    const r = await again(stateDir, record, [], { TETHER_RELAY_SECRET: "short-secret" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tether deploy: TETHER_RELAY_SECRET .*at least 32 characters/);
    expect(standinCalls(record)).toEqual([]);
  }, 60_000);

  // Last in the file: it restarts the relay with the new secret, as Cloudflare applies a secret put.
  it("--new-secret sets a new secret even with the old one in TETHER_RELAY_SECRET; the old is then refused, the new works, the machine and phones carry on", async () => {
    const first = await firstDeploy();
    const phone = await pairByLink(pairingLinkIn(first.stdout));
    const r = await again(first.stateDir, first.record, ["--new-secret"], {
      TETHER_RELAY_SECRET: relay.secret,
    });
    expect(outcome(r)).toEqual([0, undefined]);
    expect(standinCommands(first.record, 3)).toEqual([
      "whoami --json",
      "deploy --name tether-test",
      "secret put TETHER_RELAY_SECRET --name tether-test",
    ]);
    const put = standinCalls(first.record)[5]?.stdin ?? "";
    expect(put.length).toBeGreaterThanOrEqual(32);
    expect(put).not.toBe(relay.secret);
    const file = join(first.stateDir, "deployed-relay-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(put);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(`${r.stdout}${r.stderr}`).not.toContain(put);
    expect(r.stdout).toContain(`Kept machine ${first.machine.machineId}`);

    const old = relay.secret;
    await relay.stop();
    relay = await restartRelay({ ...relay, secret: put });
    expect(await secretStatus(old)).toBe(401);
    expect(await secretStatus(put)).toBe(200);
    expect(await me(first.machine.token)).toEqual({ status: 200, machineId: first.machine.machineId });
    expect((await me(phone.token)).status).toBe(200);

    // The saved secret is the Worker's now: a machine the relay forgot is registered with it.
    await revokeMachine(first.machine.machineId);
    const after = await again(first.stateDir, first.record);
    expect(outcome(after)).toEqual([0, undefined]);
    expect(standinCommands(first.record, 6)).toEqual(["whoami --json", "deploy --name tether-test"]);
    const now = savedMachine(first.stateDir);
    expect((await pairByLink(pairingLinkIn(after.stdout))).machineId).toBe(now.machineId);
  }, 180_000);
});
