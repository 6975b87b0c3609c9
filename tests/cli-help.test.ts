import { describe, expect, it } from "vitest";
import { runTether } from "./support/tether-process.ts";

/** Every command answers --help with its usage and flags; the overview names every command. */
const COMMANDS: Record<string, string[]> = {
  up: [
    "--lan",
    "--port",
    "--state-dir",
    "--root",
    "--json",
    "8787",
    "--no-auto-continue",
    "--max-live-memory",
  ],
  deploy: [
    ...["--worker", "--state-dir", "--force", "--new-secret", "--url", "--dry-run", "--outdir", "--json"],
    ...["wrangler login", "TETHER_RELAY_SECRET", "TETHER_WRANGLER", "stdin", "pair again"],
  ],
  init: ["--relay", "--secret", "TETHER_RELAY_SECRET", "--force"],
  bridge: [
    ...["--relay", "--token", "--machine", "--json", "control API", "--max-sessions", "--max-queued"],
    ...["--no-auto-continue", "--max-live-memory", "TETHER_MAX_LIVE_MEMORY"],
  ],
  pair: ["--label", "--state-dir", "--json"],
  devices: ["--all", "--state-dir", "--json"],
  revoke: ["ID", "--force"],
  status: ["outbox", "--json", "--revoke-grant", "--room", "--max-live-memory"],
  sessions: ["--state-dir", "--json"],
  events: ["--session", "--since", "--json", "--state-dir", "1 MiB", "30 days"],
  share: ["ROOM", "--viewer", "--controller", "--ttl"],
  hooks: ["install", "uninstall", "status", "--state-dir", "--config-dir", "CLAUDE_CONFIG_DIR", "--json"],
  hook: ["EVENT", "PermissionRequest", "300 s", "--state-dir"],
};

describe("tether --help", () => {
  it("lists every command", async () => {
    const top = await runTether(["--help"]);
    expect(top.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(top.stdout).toMatch(new RegExp(`^  ${name}\\s`, "m"));
  });

  it.each(Object.entries(COMMANDS))("%s --help: usage and options", async (name, words) => {
    const r = await runTether([name, "--help"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(new RegExp(`^Usage: tether ${name}`));
    for (const word of words) expect(r.stdout).toContain(word);
    const unknown = await runTether([name, "--frobnicate"]);
    // `tether hook` runs inside Claude Code, where exit 2 means "block": it fails open with 0.
    const code = name === "hook" ? 0 : 2;
    expect([unknown.code, unknown.stderr]).toEqual([code, expect.stringContaining("--frobnicate")]);
  });
});
