import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync } from "node:zlib";

/**
 * The Chromium that `npm ci` brings, so the browser tests need nothing installed by hand: the
 * package ships a brotli-compressed headless Chromium for Linux x64 inside its tarball (browser
 * CDNs, which `playwright install` and puppeteer download from, are out of reach on CI).
 *
 * The package's own executablePath() is not used: it unpacks to a fixed /tmp/chromium and only
 * checks that the file exists, so a test file starting while another one is still writing it
 * would run half a binary, and a checkout with another version would pick up the first one's.
 * Here each version is unpacked once into node_modules/.cache, atomically.
 */
export const NPM_CHROMIUM = "@sparticuz/chromium";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CACHE = join(ROOT, "node_modules", ".cache", "tether-chromium");

export type NpmChromium = { path: string } | { none: string };

/** The unpacked binary, or why there is none on this machine. */
export function npmChromium(cache: string = CACHE): NpmChromium {
  // The package carries one binary, built for Linux x64.
  if (process.platform !== "linux" || process.arch !== "x64")
    return { none: `${NPM_CHROMIUM} has no binary for ${process.platform}-${process.arch}` };
  const pkg = installedPackage();
  if (pkg === null) return { none: `${NPM_CHROMIUM} is not installed (run npm ci)` };
  return { path: unpackOnce(join(pkg.dir, "bin", "chromium.br"), join(cache, pkg.version), "chromium") };
}

/**
 * Decompresses `brFile` to `dir/name` unless `dir` is already there. Each caller writes into a
 * folder of its own and renames it to `dir`; rename is atomic, so `dir` is either absent or holds
 * the whole binary, whichever of several concurrent callers (processes included) gets there first.
 */
export function unpackOnce(brFile: string, dir: string, name: string): string {
  const target = join(dir, name);
  if (existsSync(target)) return target;
  mkdirSync(dirname(dir), { recursive: true });
  const mine = mkdtempSync(`${dir}.partial-`);
  try {
    writeFileSync(join(mine, name), brotliDecompressSync(readFileSync(brFile)), { mode: 0o755 });
    chmodSync(mine, 0o755); // mkdtemp makes it private; the unpacked folder is an ordinary one
    renameSync(mine, dir);
  } catch (err) {
    // A rename onto a folder another caller finished first fails; that folder is just as good.
    if (!hasCode(err, "ENOTEMPTY") && !hasCode(err, "EEXIST")) throw err;
  } finally {
    rmSync(mine, { recursive: true, force: true });
  }
  return target;
}

function installedPackage(): { dir: string; version: string } | null {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(NPM_CHROMIUM);
  } catch (err) {
    // `npm ci --omit=dev` leaves dev dependencies out; then only another browser can do.
    if (hasCode(err, "MODULE_NOT_FOUND")) return null;
    throw err;
  }
  const dir = join(dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  return { dir, version };
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && "code" in err && err.code === code;
}
