import { execFile } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Phone } from "./support/bridge-world.ts";
import { openPhone, pairByLink } from "./support/phone.ts";
import type { PairedDevice } from "./support/phone-pairing.ts";
import { runTether, TetherProcess, tetherEnv } from "./support/tether-process.ts";

/**
 * Grants and what the terminal shows, against a real `tether up` whose state dir existed already
 * with mode 0755 and which runs under umask 022: shares die with the phone that made them, titles
 * and labels reach the terminal without control characters, and the state stays private.
 */
const dir = realpathSync(mkdtempSync(join(tmpdir(), "tether-grants-")));
const state = join(dir, "state");
const project = join(dir, "project");
let up: TetherProcess;
let origin = "";
let device: PairedDevice;
let machine: Phone;
let room = "";
let umaskBefore = 0;

const OSC52 = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";

beforeAll(async () => {
  mkdirSync(project);
  mkdirSync(state, { mode: 0o755 });
  chmodSync(state, 0o755);
  umaskBefore = process.umask(0o022);
  up = TetherProcess.start(["up", "--port", "0", "--state-dir", state, "--root", project, "--json"]);
  const [, url] = await up.waitFor(
    /\{"event":"pairing","url":"(http:\/\/127\.0\.0\.1:\d+\/pair#c=[^"]+)"/,
    120_000,
  );
  origin = new URL(url!).origin;
  device = await pairByLink(url!);
  machine = await openPhone(origin, `m-${device.machineId}`, device);
  const req = await machine.send("machine.create_session", { cwd: project, title: "grants test" });
  room = (await machine.wait("machine.session_created", (b) => b.requestMid === req)).room;
}, 150_000);

afterAll(async () => {
  process.umask(umaskBefore);
  await machine?.client.close();
  await up?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** `tether …` with stdout exactly as a terminal would get it (no escape stripping by the test). */
function rawTether(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tether = join(import.meta.dirname, "..", "bridge", "bin", "tether.ts");
  const node = join(import.meta.dirname, "..", "node_modules", ".bin", "node");
  return new Promise((resolve) => {
    execFile(
      node,
      ["--disable-warning=ExperimentalWarning", tether, ...args],
      { env: tetherEnv(), timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The control characters in terminal output other than its line breaks, as code points. */
function controls(text: string): number[] {
  return [...text]
    .map((c) => c.charCodeAt(0))
    .filter((c) => c !== 0x0a && (c < 0x20 || (c >= 0x7f && c <= 0x9f)));
}

async function shareAs(token: string, role: "viewer" | "controller") {
  const res = await fetch(`${origin}/api/shares`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ room, role }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

async function meStatus(token: string): Promise<number> {
  return (await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe("the state dir is private", () => {
  it("tightens a pre-existing 0755 dir to 0700 and keeps every file 0600 under umask 022", () => {
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const loose: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        const st = lstatSync(path);
        if (st.isDirectory()) {
          if ((st.mode & 0o077) !== 0) loose.push(`${path} ${(st.mode & 0o777).toString(8)}`);
          walk(path);
        } else if (st.isFile()) {
          if ((st.mode & 0o777) !== 0o600) loose.push(`${path} ${(st.mode & 0o777).toString(8)}`);
        }
      }
    };
    walk(state);
    expect(loose).toEqual([]);
    const names = readdirSync(state);
    for (const db of ["sessions.db", "outbox.db"]) {
      expect(names).toContain(db);
      expect(names).toContain(`${db}-wal`);
    }
  });
});

describe("no control characters reach the terminal", () => {
  it("refuses a session title with an escape sequence, with a notice naming the field", async () => {
    const req = await machine.send("machine.create_session", { cwd: project, title: `evil${OSC52}` });
    const notice = await machine.wait("machine.notice", (b) => b.requestMid === req);
    expect(notice).toMatchObject({ code: "bad_request" });
    expect(notice.text).toContain("title");
    expect(notice.text).toContain("control characters");
    expect(notice.text).not.toContain("\u001b");
  }, 60_000);

  it("strips an OSC 52 title stored before the fix from tether sessions and status", async () => {
    const db = new DatabaseSync(join(state, "sessions.db"), { timeout: 5_000 });
    db.prepare("UPDATE sessions SET title = ? WHERE room = ?").run(`stored${OSC52}title`, room);
    db.close();
    const sessions = await rawTether(["sessions", "--state-dir", state]);
    expect(sessions.code).toBe(0);
    expect(sessions.stdout).toContain("stored]52;c;ZWNobyBwd25lZA==title");
    expect(controls(sessions.stdout)).toEqual([]);
    const status = await rawTether(["status", "--state-dir", state]);
    expect(status.code).toBe(0);
    expect(controls(status.stdout)).toEqual([]);
  }, 60_000);
});

describe("shares end with the phone that made them", () => {
  it("devices shows who made each share; revoking the phone revokes its shares and says so", async () => {
    const mine = await shareAs(device.token, "controller");
    const list = await runTether(["devices", "--state-dir", state]);
    expect(list.code).toBe(0);
    const myId = JSON.parse(
      (await runTether(["devices", "--state-dir", state, "--json"])).stdout,
    ).tokens.find(
      (t: { kind: string; label: string | null }) => t.kind === "device" && t.label === "test phone",
    ).id as string;
    expect(list.stdout).toMatch(/\bBY\b/);
    expect(list.stdout).toMatch(
      new RegExp(`${mine.id}\\s+share \\(controller\\)\\s+${room}\\s+test phone \\(${myId}\\)`),
    );

    const revoked = await runTether(["revoke", myId, "--state-dir", state]);
    expect([revoked.code, revoked.stdout]).toEqual([
      0,
      `Revoked ${myId} and the 1 share link it made: ${mine.id}.\n`,
    ]);
    expect([await meStatus(device.token), await meStatus(mine.token)]).toEqual([401, 401]);
    const all = await runTether(["devices", "--all", "--state-dir", state]);
    expect(all.stdout).toMatch(new RegExp(`${mine.id}.*revoked`));
  }, 90_000);
});
