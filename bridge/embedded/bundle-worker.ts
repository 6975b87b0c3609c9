import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "../config.ts";
import { BUNDLE_INPUTS, RELAY_CONFIG, REPO_ROOT } from "./relay-config.ts";

export type Bundle = { path: string; hash: string; rebuilt: boolean; ms: number };

/**
 * Bundles relay/worker.ts into `<cacheDir>/worker.js` once, and again only when a source under
 * relay/, shared/ or the lock file changed (a content hash, so clocks and checkouts do not matter).
 */
export async function bundleWorker(cacheDir: string, root: string = REPO_ROOT): Promise<Bundle> {
  const started = performance.now();
  const hash = sourceHash(root);
  const path = join(cacheDir, "worker.js");
  const hashFile = join(cacheDir, "worker.hash");
  if (readOrNull(hashFile) === hash && readOrNull(path) !== null) {
    return { path, hash, rebuilt: false, ms: performance.now() - started };
  }
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  // Only a rebuild needs esbuild (and its service process); a cached start skips loading it.
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [join(root, RELAY_CONFIG.main)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    // Without these conditions partyserver's nanoid resolves to its node entry (node:crypto).
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    target: "es2024",
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output for the relay Worker");
  writeFileAtomic(path, code);
  writeFileAtomic(hashFile, hash);
  return { path, hash, rebuilt: true, ms: performance.now() - started };
}

/** SHA-256 over the relative path and bytes of every input file, in a stable order. */
export function sourceHash(root: string): string {
  const h = createHash("sha256");
  for (const input of BUNDLE_INPUTS) {
    for (const file of filesUnder(join(root, input))) {
      h.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return h.digest("hex");
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith(".test.ts"))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
