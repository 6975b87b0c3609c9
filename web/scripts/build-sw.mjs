// Builds the service worker (web/src/sw/sw.ts) into <dist>/sw.js, after Vite has built the app
// into <dist>: one classic script at the root (a module worker would not run in every browser we
// serve, and the root scope covers every route), bundled with esbuild so that the worker may
// import shared/ code. The list of the shell's files and their joint version are injected.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "sw", "sw.ts");
const WORKER = "sw.js";
/** Stands for the version in the first bundle: the version is a hash of that bundle too. */
const PLACEHOLDER = "__tether_shell_version_placeholder__";
/**
 * WebCrypto's pure-JavaScript twin (shared/core/e2e/soft-primitives.ts) serves only pages without
 * `crypto.subtle`, which are insecure contexts; a service worker exists only in secure ones. So the
 * twin is neither precached nor bundled into the worker.
 */
const SOFT_CHUNK = /^\/assets\/soft-primitives-[\w-]+\.js$/;
const SOFT_MODULE = /[\\/]soft-primitives\.ts$/;
export const SOFT_STUB = "tether: the service worker has WebCrypto and no pure-JavaScript twin";

/**
 * The app shell: every file Vite wrote, as the URL the app loads it by (index.html is served at
 * `/`), sorted. Dotfiles (the build stamp), source maps, the worker itself and the crypto twin of
 * insecure pages are not part of it.
 */
export function shellFiles(dist) {
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith(".") && !d.name.endsWith(".map"))
    .map((d) => {
      const path = join(d.parentPath, d.name);
      const rel = relative(dist, path).split(sep).join("/");
      return { url: rel === "index.html" ? "/" : `/${rel}`, path };
    })
    .filter((f) => f.url !== `/${WORKER}` && !SOFT_CHUNK.test(f.url))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

/**
 * Writes <dist>/sw.js and returns what it precaches. The version is a hash of every shell file's
 * URL and bytes and of the worker's own code: any change to either makes a new version, and an
 * unchanged build keeps its version (the browser then finds no update).
 */
export async function buildServiceWorker(dist) {
  const files = shellFiles(dist);
  const { build } = await import("esbuild");
  const shell = { version: PLACEHOLDER, files: files.map((f) => f.url) };
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    define: { __TETHER_SHELL__: JSON.stringify(shell) },
    plugins: [withoutSoftPrimitives()],
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined || !code.includes(PLACEHOLDER))
    throw new Error("esbuild produced no service worker with the shell's version in it");
  const hash = createHash("sha256");
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const data = readFileSync(f.path);
    bytes += data.length;
    gzipBytes += gzipSync(data, { level: 9 }).length;
    hash.update(f.url).update("\0").update(data).update("\0");
  }
  const version = hash.update(code).digest("hex").slice(0, 16);
  // The first line names the version, for a person (or a test) looking at what a relay serves.
  writeFileSync(
    join(dist, WORKER),
    `// tether app shell ${version}\n${code.replaceAll(PLACEHOLDER, version)}`,
  );
  return { version, files: shell.files, bytes, gzipBytes };
}

/** An esbuild plugin: the twin's module becomes one that fails if it is ever loaded (it is not). */
function withoutSoftPrimitives() {
  return {
    name: "tether-without-soft-primitives",
    setup(b) {
      b.onResolve({ filter: SOFT_MODULE }, (args) => ({ path: args.path, namespace: "soft-stub" }));
      b.onLoad({ filter: /.*/, namespace: "soft-stub" }, () => ({
        contents: `throw new Error(${JSON.stringify(SOFT_STUB)});`,
        loader: "js",
      }));
    },
  };
}
