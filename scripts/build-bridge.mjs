// Bundles the bridge (bridge/cli/main.ts and what it imports from bridge/, shared/ and the npm
// dependencies) into bridge/dist with esbuild, so the shipped `tether` (bridge/bin/tether.js) runs
// plain JavaScript: no TypeScript stripping and no ~150 module loads at run time (PERF-BRIDGE.md).
// `npm ci` runs it (prepare); the launcher runs it again when a source changed since the last build,
// and returns at once otherwise. A lock keeps concurrent runs from writing dist together.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inputsStamp, withLock } from "./build-cache.mjs";

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
  return !existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stampNow();
}

export async function buildBridge({ force = false } = {}) {
  await withLock(lockDir, LOCK_STALE_MS, async () => {
    const stamp = stampNow();
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

/** Every input of the bundle (tests are not). */
function stampNow() {
  return inputsStamp(root, ["bridge", "shared"], ["package-lock.json", "scripts/build-bridge.mjs"], (name) =>
    name.endsWith(".test.ts"),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildBridge({ force: process.argv.includes("--force") });
}
