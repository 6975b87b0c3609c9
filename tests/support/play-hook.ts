import { join } from "node:path";
import { expect } from "vitest";
import type { BridgeWorld } from "./bridge-world.ts";
import { runTether } from "./tether-process.ts";

/**
 * `tether hook EVENT` run as Claude Code runs it, for the session `id` in the world's project (the
 * test plays the CLI); `claudePid` is the CLAUDE_PID the CLI would set. The bridge has answered (or
 * the hook gave up) when it returns; its stdout, trimmed.
 */
export async function playHook(
  w: BridgeWorld,
  id: string,
  event: string,
  extra: Record<string, unknown> = {},
  claudePid?: number,
): Promise<string> {
  const input = JSON.stringify({
    session_id: id,
    transcript_path: join(w.claudeConfig, "projects", "played", `${id}.jsonl`),
    cwd: w.project,
    hook_event_name: event,
    ...extra,
  });
  const env = claudePid === undefined ? w.env() : { ...w.env(), CLAUDE_PID: String(claudePid) };
  const r = await runTether(["hook", event, "--state-dir", w.stateDir], env, input);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}
