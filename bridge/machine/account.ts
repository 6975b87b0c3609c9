import type { AccountInfo } from "@anthropic-ai/claude-agent-sdk";
import type { AccountProblem, AccountProblemCode } from "../../shared/protocol/index.ts";

/** What Claude Code's account problems mean for a person at the workstation, in words. Pure. */

const FIXES: Record<AccountProblemCode, string> = {
  not_signed_in:
    "Sign in: run `claude` in a terminal on this machine and log in, or give the bridge an " +
    "ANTHROPIC_API_KEY (or the Bedrock/Vertex variables, e.g. CLAUDE_CODE_USE_BEDROCK=1), then tap Check again.",
  invalid_key:
    "The API refused the key: set a valid ANTHROPIC_API_KEY (restart the bridge if it is in its " +
    "environment) or run `claude` and log in again, then tap Check again.",
  unreachable:
    "Claude's API could not be reached: check this machine's network, proxy and ANTHROPIC_BASE_URL. " +
    "The bridge keeps trying.",
  account_problem:
    "The account cannot be used right now (billing, an organization rule or a hold): fix it on " +
    "claude.ai or in the Anthropic Console, then tap Check again.",
};

const TEXTS: Record<AccountProblemCode, string> = {
  not_signed_in: "Claude Code is not signed in on this machine.",
  invalid_key: "Claude Code's API key was refused.",
  unreachable: "Claude Code cannot reach Claude's API.",
  account_problem: "Claude Code's account cannot be used.",
};

export function problemOf(code: string, said?: string): AccountProblem {
  const known = (code in FIXES ? code : "account_problem") as AccountProblemCode;
  const text = said ? `${TEXTS[known]} Claude Code said: "${said}"` : TEXTS[known];
  return { code: known, text: text.slice(0, 2000), fix: FIXES[known] };
}

/**
 * Not signed in: the CLI names no token and no key. Measured with CLI 2.1.330: no credentials give
 * `{tokenSource:"none", apiProvider:"firstParty"}`; a key adds `apiKeySource`; a cloud provider
 * (Bedrock, Vertex, …) authenticates outside, so it is taken as signed in.
 */
export function signedIn(a: AccountInfo): boolean {
  if (a.apiProvider && a.apiProvider !== "firstParty") return true;
  const has = (s: string | undefined) => s !== undefined && s !== "" && s !== "none";
  return has(a.apiKeySource) || has(a.tokenSource);
}
