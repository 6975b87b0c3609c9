// Builds the phone app (web/) into web/dist with Vite, then its service worker (`npm run build`).
// It is also wrangler's [build] command, so every `wrangler dev` (each test relay) runs it: when
// nothing under web/ or shared/ changed since the last build it returns at once, and a lock keeps
// concurrent runs from writing dist together.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inputsStamp, withLock } from "./build-cache.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const dist = join(web, "dist");
const stampFile = join(dist, ".build-stamp");
const lockDir = join(root, "node_modules", ".cache", "tether-web-build.lock");
const LOCK_STALE_MS = 120_000;

await withLock(lockDir, LOCK_STALE_MS, async () => {
  const stamp = inputsStamp(root, ["web", "shared"], ["package-lock.json", "scripts/build-web.mjs"]);
  if (process.argv.includes("--force") === false && readStamp() === stamp) return;
  // wrangler runs this with NODE_ENV=development, which would pull the development builds of
  // dependencies (micromark's carry assertions) into the bundle.
  process.env.NODE_ENV = "production";
  const { build } = await import("vite");
  await build({ configFile: join(web, "vite.config.ts"), mode: "production", logLevel: "warn" });
  // The service worker precaches what Vite just wrote, so it is built last.
  const { buildServiceWorker } = await import("../web/scripts/build-sw.mjs");
  const sw = await buildServiceWorker(dist);
  console.info(
    `web: service worker ${sw.version} precaches ${sw.files.length} files, ` +
      `${sw.bytes} bytes (${sw.gzipBytes} gzipped)`,
  );
  writeFileSync(stampFile, stamp);
});

function readStamp() {
  return existsSync(stampFile) ? readFileSync(stampFile, "utf8") : null;
}
