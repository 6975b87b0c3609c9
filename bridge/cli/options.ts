import { type ParseArgsConfig, parseArgs } from "node:util";
import { hasControlChars } from "../../shared/core/util/text.ts";

/** An expected failure with a message meant for the person at the terminal. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with a clear message for unknown flags, and --help handled by the caller. */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals,
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function durationMs(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new CliError(`${flag}: expected a duration like 90s, 15m, 1h or 7d, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "m"] ?? 60_000;
  return Math.round(Number(m[1]) * unit);
}

export function portNumber(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`${flag}: expected a port number (0-65535), got "${text}"`);
  return n;
}

export function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

/** http(s) or ws(s) origin of a relay, normalised to http(s) without a trailing slash. */
export function relayUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--relay: "${text}" is not a URL (expected e.g. https://tether.example.workers.dev)`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol))
    throw new CliError(`--relay: unsupported scheme ${url.protocol}`);
  url.protocol = url.protocol.replace("ws", "http");
  return url.origin;
}

/** A machine name the phone and the terminal will show: no control characters (an ESC could drive a terminal). */
export function machineName(text: string | undefined): string | undefined {
  if (text !== undefined && hasControlChars(text))
    throw new CliError("--name: must not contain control characters (escape sequences, line breaks, tabs)");
  return text;
}

/** A relay's origin given with `flag` (e.g. --app, --peer-relay): http(s), no path, query or fragment. */
export function relayOrigin(text: string, flag: string): string {
  let u: URL | null = null;
  try {
    u = new URL(text.trim());
  } catch {}
  if (!u || !["http:", "https:"].includes(u.protocol) || u.pathname !== "/" || u.search || u.hash)
    throw new CliError(
      `${flag}: "${text.slice(0, 100)}" is not a relay's origin (e.g. https://tether-relay.you.workers.dev)`,
    );
  return u.origin;
}
