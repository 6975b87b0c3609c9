import { stripVTControlCharacters } from "node:util";
import { stripControlChars } from "../../shared/core/util/text.ts";

/**
 * Reading what wrangler prints. Its output is untrusted text (it quotes Cloudflare's answers and
 * whatever a build prints): every reader here bounds what it looks at, and anything shown to the
 * person has escape sequences and control characters removed.
 */

/** What `wrangler whoami --json` says: logged in (with an email or account when given) or not. */
export type Whoami = { loggedIn: true; who: string | null } | { loggedIn: false };

const MAX_JSON = 256 * 1024;

/** The JSON object in `wrangler whoami --json`'s stdout, or null when there is none (e.g. no network). */
export function parseWhoami(stdout: string): Whoami | null {
  const text = stdout.slice(0, MAX_JSON);
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const o = value as { loggedIn?: unknown; email?: unknown; accounts?: unknown };
  if (o.loggedIn === false) return { loggedIn: false };
  if (o.loggedIn !== true) return null;
  const account = Array.isArray(o.accounts) ? (o.accounts[0] as { name?: unknown } | undefined) : undefined;
  const who = typeof o.email === "string" ? o.email : typeof account?.name === "string" ? account.name : null;
  return { loggedIn: true, who: who === null ? null : printable(who, 200) };
}

/**
 * The deployed relay's origin. First from wrangler's output file (ND-JSON, `WRANGLER_OUTPUT_FILE_PATH`:
 * a `{"type":"deploy","targets":[…]}` entry), else from its printed output: the targets it lists
 * under "Deployed NAME triggers", else a workers.dev URL anywhere (a warning may quote other URLs,
 * such as Cloudflare's docs, so no other URL is taken from elsewhere). A custom domain
 * (`tether.example.com (custom domain)`) is served over https. Routes (`example.com/*`) name no
 * origin: then null, and `--url` says where the relay is.
 */
export function deployedUrl(outputFile: string | null, printed: string): string | null {
  const targets: string[] = [];
  for (const line of (outputFile ?? "").slice(0, MAX_JSON).split("\n")) {
    const entry = jsonLine(line);
    if (entry?.type === "deploy" && Array.isArray(entry.targets))
      for (const t of entry.targets.slice(0, 100)) if (typeof t === "string") targets.push(t);
  }
  const lines = stripVTControlCharacters(printed.slice(-MAX_JSON)).split("\n");
  const deployed = lines.findIndex((l) => /^\s*Deployed \S+ triggers/.test(l));
  const listed = deployed < 0 ? [] : lines.slice(deployed + 1, deployed + 101);
  const workersDev = lines.filter((l) => /https:\/\/[A-Za-z0-9.-]+\.workers\.dev\b/.test(l));
  return originIn(targets) ?? originIn(listed) ?? originIn(workersDev);
}

function originIn(texts: string[]): string | null {
  for (const text of texts) {
    const m = /^(https?:\/\/[A-Za-z0-9.-]+(?::\d+)?)(?:\/\S*)?$/.exec(text.trim()) ?? workersDevIn(text);
    if (m?.[1]) return origin(m[1]);
  }
  for (const text of texts) {
    const m = /^([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+) \(custom domain\)$/.exec(text.trim());
    if (m) return origin(`https://${m[1]}`);
  }
  return null;
}

function workersDevIn(text: string): RegExpExecArray | null {
  return /(https:\/\/[A-Za-z0-9.-]+\.workers\.dev)\b/.exec(text);
}

function origin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function jsonLine(line: string): { type?: unknown; targets?: unknown } | null {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === "object" && v !== null ? (v as { type?: unknown; targets?: unknown }) : null;
  } catch {
    return null;
  }
}

/** The last lines of a command's output, fit to print: no escapes or control characters, each line bounded. */
export function tailLines(text: string, lines = 12): string {
  return stripVTControlCharacters(text.slice(-16 * 1024))
    .split("\n")
    .map((l) => printable(l, 300))
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .join("\n");
}

/** One line for a status or a message: escape sequences and control characters gone, at most `max` characters. */
export function printable(text: string, max: number): string {
  const clean = stripControlChars(stripVTControlCharacters(text)).trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
