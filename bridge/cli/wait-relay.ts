import { boundedText, jsonOf } from "../http-body.ts";
import { printable } from "./deploy-output.ts";
import { CliError } from "./options.ts";
import type { Terminal } from "./terminal.ts";

/**
 * A just-deployed Worker may not answer at once: a new workers.dev name takes a while to reach DNS
 * (Cloudflare says up to a minute or two). Polls `GET /healthz` until it answers `{ok:true}`.
 */
export async function waitForRelay(t: Terminal, url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (let attempt = 0; ; attempt++) {
    last = await probe(url);
    if (last === "") {
      t.close();
      return;
    }
    if (Date.now() >= deadline)
      throw new CliError(
        `the deployed relay at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s (${last}); ` +
          "the Worker is deployed: run tether deploy again in a minute (it updates in place)",
        1,
      );
    t.status(`waiting for ${url} to answer (a new workers.dev name can take a minute): ${last}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
  }
}

/** "" when the relay answered `{ok:true}`, else what happened. */
async function probe(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    const text = await boundedText(res, { ms: 10_000, maxBytes: 64 * 1024 });
    const body = jsonOf(text) as { ok?: unknown } | null;
    return res.status === 200 && body?.ok === true ? "" : `answered ${res.status}`;
  } catch (err) {
    return printable(String((err as Error).cause ?? (err as Error).message), 200);
  }
}
