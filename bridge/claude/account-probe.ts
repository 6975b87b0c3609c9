import { type AccountInfo, query } from "@anthropic-ai/claude-agent-sdk";
import { BRIDGE_RUN_ENV } from "../hooks/hook-input.ts";
import { InputQueue } from "./input-queue.ts";

const PROBE_MS = 60_000;

/**
 * What Claude Code says about its account, from the CLI's own `initialize` answer (accountInfo):
 * a CLI is started with no prompt and closed again, so no model call is spent. `error` when the
 * CLI could not be started or did not answer in time.
 */
export async function probeAccount(cwd: string): Promise<{ info: AccountInfo } | { error: string }> {
  const input = new InputQueue<never>();
  const q = query({
    prompt: input,
    options: {
      cwd,
      settingSources: ["user", "project", "local"],
      // Its hooks are not a terminal's (docs/hooks.md): `tether hook` leaves them alone.
      env: { ...process.env, [BRIDGE_RUN_ENV]: "1" },
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Claude Code did not answer in time")), PROBE_MS);
  });
  try {
    return { info: await Promise.race([q.accountInfo(), timeout]) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    clearTimeout(timer);
    input.close();
    q.close();
  }
}

/**
 * Credentials the CLI will take from the bridge's own environment, which it passes on unchanged:
 * then there is no need to start a CLI to learn that it is signed in.
 */
export function envAccount(env: NodeJS.ProcessEnv = process.env): { info: AccountInfo } | null {
  if (env.ANTHROPIC_API_KEY)
    return { info: { apiKeySource: "ANTHROPIC_API_KEY", apiProvider: "firstParty" } };
  if (env.CLAUDE_CODE_OAUTH_TOKEN) return { info: { tokenSource: "CLAUDE_CODE_OAUTH_TOKEN" } };
  if (env.CLAUDE_CODE_USE_BEDROCK === "1") return { info: { apiProvider: "bedrock" } };
  if (env.CLAUDE_CODE_USE_VERTEX === "1") return { info: { apiProvider: "vertex" } };
  return null;
}

/** Whether the Messages API answers HTTP at all (any status): a check that spends no model call. */
export async function apiReachable(baseUrl = process.env.ANTHROPIC_BASE_URL): Promise<boolean> {
  try {
    await fetch(baseUrl || "https://api.anthropic.com", {
      method: "HEAD",
      signal: AbortSignal.timeout(10_000),
    });
    return true;
  } catch {
    return false;
  }
}
