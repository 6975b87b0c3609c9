import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { NPM_CHROMIUM, type NpmChromium, npmChromium } from "./npm-chromium.ts";

/**
 * Which Chromium the browser tests and the web bench drive. In order: the one a person names in
 * TETHER_CHROMIUM (used as given, never silently replaced), the one `npm ci` brought, then one
 * installed on the system, for machines where the npm binary does not exist or cannot start.
 */
export type Chromium = { path: string; source: "TETHER_CHROMIUM" | typeof NPM_CHROMIUM | "system" };
export type ChromiumLookup = ({ ok: true } & Chromium) | { ok: false; message: string };

/** What the lookup asks of the machine; tests hand in their own. */
export type ChromiumProbes = {
  explicit: string | undefined;
  npm: () => NpmChromium;
  /** System browsers, most wanted first. */
  system: () => string[];
  /** Why `path --version` fails, or null when it runs. */
  failure: (path: string) => string | null;
};

const SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
// Not on PATH, but where Chrome and Chromium install themselves on macOS.
const MAC_APPS = [
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

export function findChromium(p: ChromiumProbes): ChromiumLookup {
  if (p.explicit) {
    const why = p.failure(p.explicit);
    if (why === null) return { ok: true, path: p.explicit, source: "TETHER_CHROMIUM" };
    return { ok: false, message: `TETHER_CHROMIUM=${p.explicit} does not start (${why}); fix or unset it.` };
  }
  const npm = p.npm();
  const npmWhy = "none" in npm ? npm.none : p.failure(npm.path);
  if ("path" in npm && npmWhy === null) return { ok: true, path: npm.path, source: NPM_CHROMIUM };
  const npmSaid = "none" in npm ? npmWhy : `${NPM_CHROMIUM} does not start: ${npmWhy}`;
  const system = p.system();
  const usable = system.find((path) => p.failure(path) === null);
  if (usable !== undefined) return { ok: true, path: usable, source: "system" };
  const tried =
    system.length > 0 ? `${system.join(", ")} did not start` : `no ${SYSTEM_NAMES.join("/")} on PATH`;
  return {
    ok: false,
    message:
      `No Chromium for the browser tests (${npmSaid}; system: ${tried}): ` +
      "set TETHER_CHROMIUM=/path/to/chrome (any recent Chromium or Chrome) and run again.",
  };
}

let found: Chromium | undefined;

/** The browser to launch, looked up once per process; throws the lookup's one-line advice. */
export function chromiumForTests(): Chromium {
  if (found) return found;
  const lookup = findChromium(machineProbes());
  if (!lookup.ok) throw new Error(lookup.message);
  found = { path: lookup.path, source: lookup.source };
  return found;
}

export function machineProbes(): ChromiumProbes {
  return {
    explicit: process.env.TETHER_CHROMIUM,
    npm: () => npmChromium(),
    system: systemChromiums,
    failure,
  };
}

function systemChromiums(): string[] {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const onPath = SYSTEM_NAMES.flatMap((name) => dirs.map((dir) => join(dir, name)));
  // Debian's package lives here even when /usr/bin is not on PATH (sudo, minimal service PATHs).
  return [...new Set(["/usr/bin/chromium", ...onPath, ...MAC_APPS])].filter((path) => existsSync(path));
}

function failure(path: string): string | null {
  try {
    execFileSync(path, ["--version"], { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    return null;
  } catch (err) {
    // A missing shared library shows up on stderr; a missing file or a timeout only in the message.
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return (stderr || (err as Error).message).split("\n")[0] ?? "failed";
  }
}
