import { execFile } from "node:child_process";

/** What running git gave: its output, or why not (the detail is for the bridge's log only). */
export type GitOutcome =
  | { ok: true; out: Buffer }
  | { ok: false; reason: "not_a_repo" | "too_large" | "failed"; detail: string };

const TIMEOUT_MS = 20_000;

/**
 * Runs git with a fixed argument list and never a shell: paths from a phone come after `--`, and
 * `--literal-pathspecs` keeps git from reading `:(top)` or `*` in them as pathspec magic.
 * `GIT_OPTIONAL_LOCKS=0` keeps a status from taking the index lock the user's own git may want;
 * `LC_ALL=C` keeps git's messages in the words matched below.
 */
export function git(cwd: string, args: readonly string[], maxBytes: number): Promise<GitOutcome> {
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  return new Promise((resolve) => {
    execFile(
      "git",
      // No fsmonitor hook: a phone's request must not make git run a program the repository names.
      ["--literal-pathspecs", "-c", "core.fsmonitor=false", ...args],
      { cwd, env, encoding: "buffer", timeout: TIMEOUT_MS, maxBuffer: maxBytes, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, out: stdout });
        const said = stderr.toString("utf8").slice(0, 2000);
        const detail = `${err.message} ${said}`.trim();
        if ((err as NodeJS.ErrnoException).code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
          return resolve({ ok: false, reason: "too_large", detail });
        if (/not a git repository/i.test(said)) return resolve({ ok: false, reason: "not_a_repo", detail });
        resolve({ ok: false, reason: "failed", detail });
      },
    );
  });
}
