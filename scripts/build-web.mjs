// Builds the phone app (web/) into web/dist with Vite, then its service worker (`npm run build`).
// It is also wrangler's [build] command, so every `wrangler dev` (each test relay) runs it: when
// nothing under web/ or shared/ changed since the last build it returns at once, and a lock keeps
// concurrent runs from writing dist together.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const dist = join(web, "dist");
const stampFile = join(dist, ".build-stamp");
const lockDir = join(root, "node_modules", ".cache", "tether-web-build.lock");
const LOCK_STALE_MS = 120_000;

await withLock(async () => {
  const stamp = inputsStamp();
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

/** Newest mtime and file count of everything the bundle is made from (a deletion changes the count). */
function inputsStamp() {
  let newest = 0;
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "dist" || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else {
        count++;
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  visit(web);
  visit(join(root, "shared"));
  for (const file of ["package-lock.json", "scripts/build-web.mjs"]) {
    count++;
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  }
  return `${newest}:${count}`;
}

function readStamp() {
  return existsSync(stampFile) ? readFileSync(stampFile, "utf8") : null;
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
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
