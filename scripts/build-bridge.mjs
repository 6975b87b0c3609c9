// Bundles the bridge (bridge/cli/main.ts and what it imports from bridge/, shared/ and the npm
// dependencies) into bridge/dist with esbuild, so the shipped `tether` (bridge/bin/tether.js) runs
// plain JavaScript: no TypeScript stripping and no ~150 module loads at run time (PERF-BRIDGE.md).
// `npm ci` runs it (prepare); the launcher runs it again when a source changed since the last build,
// and returns at once otherwise. A lock keeps concurrent runs from writing dist together.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BRIDGE_DIST = join(root, "bridge", "dist");
export const BUILD_SCRIPT = fileURLToPath(import.meta.url);
const stampFile = join(BRIDGE_DIST, ".build-stamp");
const lockDir = join(root, "node_modules", ".cache", "tether-bridge-build.lock");
const LOCK_STALE_MS = 60_000;

/**
 * Left as imports: Miniflare and esbuild are loaded only by `tether up` (and are large); the Agent SDK
 * finds its Claude binary next to its own files; ws's native helpers are optional.
 */
const EXTERNAL = ["miniflare", "esbuild", "@anthropic-ai/claude-agent-sdk", "bufferutil", "utf-8-validate"];

/** True when bridge/dist is missing or older than a source it is made from. */
export function bridgeBundleStale() {
  return !existsSync(stampFile) || readFileSync(stampFile, "utf8") !== inputsStamp();
}

export async function buildBridge({ force = false } = {}) {
  await withLock(async () => {
    const stamp = inputsStamp();
    if (!force && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
    const { build } = await import("esbuild");
    rmSync(BRIDGE_DIST, { recursive: true, force: true });
    await build({
      entryPoints: [join(root, "bridge", "cli", "main.ts")],
      outdir: BRIDGE_DIST,
      bundle: true,
      // Each command stays its own chunk, as main.ts loads it on use (`tether up` pulls in more).
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node22",
      external: EXTERNAL,
      // Bundled CommonJS (ws) calls require() for Node's modules; an ES module has none of its own.
      banner: {
        js: 'import { createRequire as __tetherRequire } from "node:module";\nconst require = __tetherRequire(import.meta.url);',
      },
      sourcemap: "linked",
      logLevel: "warning",
    });
    writeFileSync(stampFile, stamp);
  });
}

/** Newest mtime and file count of every input (a deletion changes the count). */
function inputsStamp() {
  let newest = 0;
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "dist" || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (!entry.name.endsWith(".test.ts")) {
        count++;
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  visit(join(root, "bridge"));
  visit(join(root, "shared"));
  for (const file of ["package-lock.json", "scripts/build-bridge.mjs"]) {
    count++;
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  }
  return `${newest}:${count}`;
}

/** mkdir is atomic: the one that creates the directory holds the lock; a crashed holder goes stale. */
async function withLock(fn) {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + LOCK_STALE_MS * 2;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      if (Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > LOCK_STALE_MS)
        rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`build lock ${lockDir} is held for too long`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildBridge({ force: process.argv.includes("--force") });
}
