import { spawn } from "node:child_process";
import { createRequire } from "node:module";

/** The Claude Code binary the Agent SDK ships, started by hand as a person would in a terminal. */
export const CLAUDE_BIN = createRequire(import.meta.url).resolve(
  `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}/claude`,
);

/** One stdout line of `claude -p --output-format stream-json`, parsed, with when it arrived. */
export type TimedLine = { at: number; json: Record<string, unknown> };
export type TerminalRun = { code: number | null; lines: TimedLine[]; stderr: string; startedAt: number };

/**
 * `claude -p PROMPT` in `cwd`, no TTY, with the hooks of `env.CLAUDE_CONFIG_DIR`'s settings.
 * `--include-hook-events` makes the CLI report each hook's start and outcome (exit code, stdout,
 * stderr) on stdout, which is how a test sees what the hooks did.
 */
export function runTerminalClaude(o: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  /** More CLI arguments, e.g. `--resume <id>`. */
  extra?: string[];
  /** The CLI's pid, as soon as it started (to kill it as a closed terminal would). */
  onStart?: (pid: number) => void;
}): Promise<TerminalRun> {
  const args = [
    "-p",
    o.prompt,
    ...(o.extra ?? []),
    ...["--output-format", "stream-json", "--verbose", "--include-hook-events"],
  ];
  const child = spawn(CLAUDE_BIN, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) o.onStart?.(child.pid);
  const startedAt = Date.now();
  const lines: TimedLine[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const parts = (partial + d).split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) if (p.trim()) lines.push({ at: Date.now(), json: JSON.parse(p) });
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, lines, stderr, startedAt })));
}

/** Each hook run the CLI reported: its event, outcome and how long it took (ms). */
export function hookRuns(run: TerminalRun) {
  const started = new Map<string, number>();
  const runs: { event: string; ms: number; exitCode: unknown; stdout: unknown; stderr: string }[] = [];
  for (const { at, json } of run.lines) {
    if (json.type !== "system") continue;
    if (json.subtype === "hook_started") started.set(String(json.hook_id), at);
    if (json.subtype === "hook_response")
      runs.push({
        event: String(json.hook_event),
        ms: at - (started.get(String(json.hook_id)) ?? at),
        exitCode: json.exit_code,
        stdout: json.stdout,
        stderr: String(json.stderr ?? ""),
      });
  }
  return runs;
}
