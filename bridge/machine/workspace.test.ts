import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MachineWorkspace } from "../../shared/protocol/index.ts";
import type { Logger } from "../log.ts";
import { type WorkspaceAnswer, workspaceAnswer } from "./workspace.ts";

// The handler on a real repository with the real git; the bridge end to end is in
// tests/bridge-workspace.test.ts.
const top = realpathSync(mkdtempSync(join(tmpdir(), "tether-ws-")));
const root = join(top, "root");
const repo = join(root, "repo");
const plain = join(root, "plain");
const outside = join(top, "outside");
const logged: string[] = [];
const log: Logger = { info: () => {}, warn: (m) => logged.push(m), error: (m) => logged.push(m) };

function sh(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
    cwd,
    env: { ...process.env, HOME: top, GIT_CONFIG_NOSYSTEM: "1" },
  });
}

beforeAll(() => {
  for (const d of [join(repo, "sub"), plain, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(repo, "kept.txt"), "one\ntwo\nthree\n");
  writeFileSync(join(repo, "gone.txt"), "bye\n");
  writeFileSync(join(repo, "sub", "inner.txt"), "inner\n");
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  sh(repo, "init", "-q", "-b", "main");
  sh(repo, "add", ".");
  sh(repo, "commit", "-q", "-m", "first");
  writeFileSync(join(repo, "kept.txt"), "one\nTWO\nthree\n");
  unlinkSync(join(repo, "gone.txt"));
  writeFileSync(join(repo, "new.txt"), "fresh line\n");
  writeFileSync(join(repo, "sub", "added.txt"), "in sub\n");
  writeFileSync(join(repo, "blob.bin"), Buffer.from([1, 2, 0, 3]));
  writeFileSync(join(repo, "big.txt"), Array.from({ length: 20_000 }, (_, i) => `row ${i}\n`).join(""));
  symlinkSync(join(outside, "secret.txt"), join(repo, "out-link"));
  execFileSync("mkfifo", [join(repo, "fifo")]);
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

const ask = (body: unknown) => workspaceAnswer(body, [root], log);
const asked = (what: string, path?: string, offset?: number, cwd = repo) =>
  ask({ cwd, what, ...(path === undefined ? {} : { path }), ...(offset === undefined ? {} : { offset }) });

function valid(a: WorkspaceAnswer): WorkspaceAnswer {
  expect(MachineWorkspace.safeParse({ requestMid: "m", ...a }).success).toBe(true);
  expect(Buffer.byteLength(JSON.stringify(a))).toBeLessThan(128 * 1024);
  return a;
}

describe("workspace requests", () => {
  // git does not list a FIFO; the file view refuses one below.
  it("status lists each changed file under the cwd with its state and the branch", async () => {
    const a = valid(await asked("status"));
    expect(a).toMatchObject({ what: "status", branch: "main", upstream: null, ahead: 0, behind: 0 });
    if (a.what !== "status") throw new Error("not a status");
    const states = a.files.map((f) => `${f.path} ${f.state}`).sort();
    expect(states).toEqual(
      [
        "kept.txt modified",
        "gone.txt deleted",
        "new.txt untracked",
        "sub/added.txt untracked",
        "blob.bin untracked",
        "big.txt untracked",
        "out-link untracked",
      ].sort(),
    );
    expect(a.truncated).toBe(false);
  });

  it("status from a subfolder lists its files only, relative to it", async () => {
    const a = await asked("status", undefined, undefined, join(repo, "sub"));
    expect(a).toMatchObject({ what: "status", files: [{ path: "added.txt", state: "untracked" }] });
  });

  it("diffs a changed, a deleted and an untracked file", async () => {
    const kept = valid(await asked("diff", "kept.txt"));
    expect(kept).toMatchObject({ what: "diff", path: "kept.txt", truncated: false, offset: 0 });
    if (kept.what !== "diff") throw new Error("not a diff");
    expect(kept.text).toContain("-two\n+TWO\n");
    expect(kept.size).toBe(Buffer.byteLength(kept.text));
    expect(await asked("diff", "gone.txt")).toMatchObject({ text: expect.stringContaining("-bye\n") });
    const added = await asked("diff", "sub/added.txt");
    expect(added).toMatchObject({ text: expect.stringContaining("--- /dev/null\n+++ b/sub/added.txt\n") });
    expect(added).toMatchObject({ text: expect.stringContaining("+in sub\n") });
    expect(await asked("diff", "sub/../sub/inner.txt")).toMatchObject({ path: "sub/inner.txt", text: "" });
  });

  it("pages through a large file and a large diff with nextOffset", async () => {
    for (const what of ["file", "diff"]) {
      let text = "";
      let offset: number | undefined = 0;
      let pages = 0;
      while (offset !== undefined) {
        const a = valid(await asked(what, "big.txt", offset));
        if (a.what !== "file" && a.what !== "diff") throw new Error(`refused: ${JSON.stringify(a)}`);
        expect(a.offset).toBe(offset);
        expect(a.truncated).toBe(a.nextOffset !== undefined);
        text += a.text;
        offset = a.nextOffset;
        pages++;
      }
      expect(pages, what).toBeGreaterThan(1);
      if (what === "file") expect(text).toBe(Array.from({ length: 20_000 }, (_, i) => `row ${i}\n`).join(""));
      else expect(text).toContain("+row 19999\n");
    }
  });

  it("refuses what lies outside the roots in one answer, naming no path and no errno", async () => {
    const outsideRoots = [
      asked("file", "../../outside/secret.txt"),
      asked("file", "../../outside/nothing.txt"),
      asked("file", join(outside, "secret.txt")),
      asked("file", "out-link"),
      asked("diff", "out-link"),
      asked("diff", "/etc/passwd"),
      asked("status", undefined, undefined, outside),
      asked("status", undefined, undefined, join(root, "no-such-dir")),
    ];
    for (const a of await Promise.all(outsideRoots)) {
      expect(a).toEqual({ what: "refused", code: "outside_roots", text: expect.any(String) });
      if (a.what === "refused") expect(a.text).not.toMatch(/\/|ENOENT|EACCES|secret|passwd|outside\b/);
    }
  });

  it("refuses a binary file, a FIFO, nothing there and a folder outside git, each by its code", async () => {
    expect(await asked("file", "blob.bin")).toMatchObject({ what: "refused", code: "binary" });
    expect(await asked("diff", "blob.bin")).toMatchObject({ what: "refused", code: "binary" });
    expect(await asked("file", "fifo")).toMatchObject({ what: "refused", code: "not_found" });
    expect(await asked("file", "sub")).toMatchObject({ what: "refused", code: "not_found" });
    expect(await asked("file", "nothing.txt")).toMatchObject({ what: "refused", code: "not_found" });
    expect(await asked("status", undefined, undefined, plain)).toMatchObject({ code: "not_a_repo" });
    expect(await asked("diff", "x", undefined, plain)).toMatchObject({ code: "not_a_repo" });
  });

  it("answers a malformed request with bad_request naming the field, never crashing", async () => {
    const bad: [unknown, string][] = [
      [null, "expected object"],
      [{ cwd: repo }, "what"],
      [{ cwd: repo, what: "rm" }, "what"],
      [{ cwd: repo, what: "file" }, "path"],
      [{ cwd: repo, what: "file", path: "a\0b" }, "path"],
      [{ cwd: repo, what: "diff", path: "kept.txt", offset: -1 }, "offset"],
    ];
    for (const [body, field] of bad) {
      const a = await ask(body);
      expect(a, JSON.stringify(body)).toMatchObject({ what: "refused", code: "bad_request" });
      if (a.what === "refused") expect(a.text).toContain(field);
    }
  });

  it("takes pathspec magic in a path literally", async () => {
    expect(await asked("diff", ":(top)kept.txt")).toMatchObject({ what: "diff", text: "" });
    expect(await asked("diff", "*.txt")).toMatchObject({ what: "diff", text: "" });
  });
});
