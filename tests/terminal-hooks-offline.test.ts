import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedModel } from "./support/scripted-model.ts";
import { hookRuns, runTerminalClaude } from "./support/terminal-claude.ts";
import { runTether, tetherEnv } from "./support/tether-process.ts";

/**
 * `tether hooks install|uninstall|status` on a user's real settings file, and the installed hooks
 * run by the real Claude Code CLI (started as in a terminal) while no bridge runs: they must fail
 * open at once, so the CLI goes on with its own permission flow.
 */
const dir = realpathSync(mkdtempSync(join(tmpdir(), "tether-hooks-")));
const config = join(dir, "claude");
const state = join(dir, "state");
const project = join(dir, "project");
const settingsFile = join(config, "settings.json");
const model = new ScriptedModel();

/** A user's settings: their own hooks on events Tether uses too, and keys Tether does not know. */
const USER = {
  theme: "dark",
  hooks: {
    PreToolUse: [
      { matcher: "Write", hooks: [{ type: "command", command: `echo user-hook >> ${dir}/user-hook.log` }] },
    ],
    FileChanged: [{ matcher: "*.md", hooks: [{ type: "command", command: "true" }] }],
  },
  permissions: { deny: ["Bash(rm:*)"] },
};

const tether = (...args: string[]) => runTether(["hooks", ...args, "--config-dir", config, "--json"]);

beforeAll(async () => {
  for (const d of [config, state, project, join(dir, "home")]) mkdirSync(d, { recursive: true });
  await model.start();
});
afterAll(async () => {
  await model.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("tether hooks install / uninstall / status", () => {
  it("merges into the user's settings, is idempotent, and uninstall gives the settings back", async () => {
    writeFileSync(settingsFile, JSON.stringify(USER, null, 2));
    expect(JSON.parse((await tether("status")).stdout)).toMatchObject({ state: "not installed", events: [] });
    const first = await tether("install", "--state-dir", state);
    expect([first.code, JSON.parse(first.stdout)]).toEqual([
      0,
      expect.objectContaining({ state: "installed", changed: true }),
    ]);
    const installed = readFileSync(settingsFile, "utf8");
    const parsed = JSON.parse(installed);
    expect([parsed.theme, parsed.permissions, parsed.hooks.FileChanged]).toEqual([
      USER.theme,
      USER.permissions,
      USER.hooks.FileChanged,
    ]);
    expect(parsed.hooks.PreToolUse[0]).toEqual(USER.hooks.PreToolUse[0]);
    expect(parsed.hooks.PermissionRequest[0].hooks[0].command).toMatch(
      / hook PermissionRequest --state-dir \S+ # tether-hook$/,
    );
    const again = await tether("install", "--state-dir", state);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: "installed", changed: false });
    expect(readFileSync(settingsFile, "utf8")).toBe(installed);
    const removed = await tether("uninstall");
    expect(JSON.parse(removed.stdout)).toMatchObject({ state: "not installed", changed: true });
    expect(JSON.parse(readFileSync(settingsFile, "utf8"))).toEqual(USER);
  });

  it("refuses a settings file that is not JSON and leaves it as it is", async () => {
    const broken = '{ "hooks": { // a comment\n';
    writeFileSync(settingsFile, broken);
    for (const action of ["install", "uninstall"]) {
      const r = await tether(action);
      expect([r.code, r.stderr]).toEqual([1, expect.stringContaining("is not valid JSON")]);
      expect(readFileSync(settingsFile, "utf8")).toBe(broken);
    }
    expect(readdirSync(config).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});

describe("installed hooks with no bridge", () => {
  it("the real CLI runs them, they fail open at once, and its own permission flow decides", async () => {
    writeFileSync(settingsFile, JSON.stringify(USER, null, 2));
    expect((await tether("install", "--state-dir", state)).code).toBe(0);
    // A bridge that was killed: its control.json names a pid that is gone.
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(
      join(state, "control.json"),
      JSON.stringify({ pid: gone, port: 9, secret: "x".repeat(43), startedAt: 1 }),
    );
    const target = join(project, "out.txt");
    const run = await runTerminalClaude({
      cwd: project,
      prompt: `[[write path=${target} content=hello]]`,
      env: tetherEnv({ ANTHROPIC_BASE_URL: model.url, CLAUDE_CONFIG_DIR: config, HOME: join(dir, "home") }),
    });
    expect(run.code, run.stderr).toBe(0);
    const runs = hookRuns(run).filter((r) => r.stderr.includes("tether hook"));
    expect(runs.map((r) => r.event)).toEqual(
      expect.arrayContaining(["SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "Stop"]),
    );
    for (const r of runs) {
      expect([r.event, r.exitCode, r.stdout]).toEqual([r.event, 0, ""]);
      expect(r.stderr).toContain("no bridge running; no decision");
      // "At once" (docs/hooks.md): one Node start, no waiting on anything.
      expect(r.ms).toBeLessThan(5_000);
    }
    // No decision from the hook: `-p` has no dialog, so the CLI refuses the tool itself.
    expect(existsSync(target)).toBe(false);
    const result = run.lines.find((l) => l.json.type === "result")?.json;
    expect(result?.permission_denials).toEqual([expect.objectContaining({ tool_name: "Write" })]);
    // The user's own hook on the same event ran too.
    expect(readFileSync(join(dir, "user-hook.log"), "utf8")).toContain("user-hook");
  }, 120_000);
});
