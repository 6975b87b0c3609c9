import { execFileSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { BodyOf, WorkspaceRequest } from "../shared/protocol/index.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

// The read-only workspace view (docs/protocol.md §9.3.1) end to end: the real bridge answers
// through the real relay, the real Claude CLI writes the files; only the model is scripted.
const world = useBridgeWorld();
type Answer = BodyOf<"machine.workspace">;

/** The test's own git, with an identity and no user configuration (HOME is the world's empty one). */
function git(...args: string[]): void {
  const { w } = world;
  execFileSync("git", ["-c", "user.name=Tether Test", "-c", "user.email=test@example.com", ...args], {
    cwd: w.project,
    env: { ...process.env, HOME: w.home, GIT_CONFIG_NOSYSTEM: "1" },
  });
}

beforeAll(() => {
  writeFileSync(join(world.w.project, "a.txt"), "first line\n");
  git("init", "-q", "-b", "main");
  git("add", "a.txt");
  git("commit", "-q", "-m", "start");
});

/** Asks the bridge through the machine room; resolves with the signal that answers that request. */
async function ask(body: WorkspaceRequest): Promise<Answer> {
  const requestMid = await world.machine.send("machine.workspace_request", body);
  return world.machine.waitSignal("machine.workspace", (a) => a.requestMid === requestMid, 60_000);
}

describe("the workspace view", () => {
  it("after a turn that wrote two files, the status lists both and each diff holds its lines", async () => {
    const { w, machine } = world;
    const s = await w.createSession(machine, { title: "workspace" });
    const files = "a.txt:changed_first_line,b.txt:brand_new_line";
    const input = await s.send("user.message", { text: `[[write_each dir=${w.project} files=${files}]]` });
    for (const name of ["a.txt", "b.txt"]) {
      const req = await s.wait("permission.request", (r) => JSON.stringify(r.input).includes(name));
      await s.send("permission.response", { requestId: req.requestId, decision: "allow" });
    }
    expect(await s.wait("turn.result", (t) => t.inputMid === input)).toMatchObject({ ok: true });

    const status = await ask({ cwd: w.project, what: "status" });
    expect(status).toMatchObject({ what: "status", branch: "main", upstream: null, truncated: false });
    if (status.what !== "status") throw new Error("not a status");
    expect(status.files).toEqual([
      { path: "a.txt", state: "modified" },
      { path: "b.txt", state: "untracked" },
    ]);
    const a = await ask({ cwd: w.project, what: "diff", path: "a.txt" });
    expect(a).toMatchObject({ what: "diff", path: "a.txt", truncated: false });
    expect(a.what === "diff" && a.text).toContain("-first line\n+changed first line\n");
    const b = await ask({ cwd: w.project, what: "diff", path: "b.txt" });
    expect(b.what === "diff" && b.text).toContain(
      "--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+brand new line\n",
    );
  });

  it("refuses a path outside the roots in one answer that names neither it nor an errno", async () => {
    const { w } = world;
    // Outside the root (the project) but on disk: the world's CLI config and state folders.
    symlinkSync(w.claudeConfig, join(w.project, "link-out"));
    const asked: WorkspaceRequest[] = [
      { cwd: w.project, what: "file", path: "../x" },
      { cwd: w.project, what: "file", path: "../state" },
      { cwd: w.project, what: "file", path: join(w.stateDir, "bridge.json") },
      { cwd: w.project, what: "diff", path: "/etc/hostname" },
      { cwd: w.project, what: "file", path: "link-out" },
      { cwd: w.project, what: "file", path: "link-out/settings.json" },
      { cwd: w.dir, what: "status" },
    ];
    const texts = new Set<string>();
    for (const body of asked) {
      const a = await ask(body);
      expect(a, JSON.stringify(body)).toMatchObject({ what: "refused", code: "outside_roots" });
      if (a.what !== "refused") continue;
      texts.add(a.text);
      for (const leak of [w.dir, "../x", "state", "bridge.json", "hostname", "link-out", "settings"])
        expect(a.text).not.toContain(leak);
      expect(a.text).not.toMatch(/\bE[A-Z]{3,}\b|errno|No such file/);
    }
    expect(texts.size).toBe(1);
  });

  it("pages through a large file with nextOffset, the pages making up the whole", async () => {
    const { w } = world;
    const content = Array.from({ length: 12_000 }, (_, i) => `line ${i} of the long file\n`).join("");
    writeFileSync(join(w.project, "long.txt"), content);
    let text = "";
    let pages = 0;
    for (let offset: number | undefined = 0; offset !== undefined; pages++) {
      const page = await ask({ cwd: w.project, what: "file", path: "long.txt", offset });
      if (page.what !== "file") throw new Error(`not a page: ${JSON.stringify(page)}`);
      expect(page).toMatchObject({
        offset,
        size: Buffer.byteLength(content),
        truncated: page.nextOffset !== undefined,
      });
      expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(64 * 1024);
      text += page.text;
      offset = page.nextOffset;
    }
    expect(pages).toBeGreaterThan(1);
    expect(text).toBe(content);
  });

  it("answers a malformed request with bad_request naming the field, and goes on answering", async () => {
    const { w, machine } = world;
    for (const [body, field] of [
      [{ cwd: w.project, what: "rm", path: "a.txt" }, "what"],
      [{ cwd: w.project, what: "file" }, "path"],
      ["status", ""],
    ] as const) {
      const requestMid = await machine.sendRaw("machine.workspace_request", body);
      const a = await machine.waitSignal("machine.workspace", (x) => x.requestMid === requestMid);
      expect(a).toMatchObject({ what: "refused", code: "bad_request" });
      expect(a.what === "refused" && a.text).toContain(field);
    }
    expect(await ask({ cwd: w.project, what: "status" })).toMatchObject({ what: "status" });
  });
});
