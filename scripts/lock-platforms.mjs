// Adds lock entries for optional platform binaries (other OSes' builds of biome, workerd, …) that
// npm left out because this machine's registry mirror does not carry them. Without the entries,
// `npm ci` on a fresh clone refuses the lock as out of sync. Each entry is marked optional with the
// os/cpu/libc its name says, so npm skips it on other platforms without fetching anything.
// Run after every `npm install`: node scripts/lock-platforms.mjs   (--check: only report, exit 1)
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const pkgs = lock.packages;
let added = 0;

for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = platformOf(name);
    if (!platform || resolves(path, name, spec)) continue;
    const sibling = siblingOf(path, entry, spec);
    const at = `${sibling ? sibling.slice(0, sibling.lastIndexOf("node_modules/")) : `${path ? `${path}/` : ""}`}node_modules/${name}`;
    const flags = Object.fromEntries(
      ["dev", "optional", "devOptional", "peer"]
        .filter((f) => pkgs[sibling ?? path]?.[f])
        .map((f) => [f, true]),
    );
    pkgs[at] = { version: spec, ...platform, ...flags, optional: true };
    added++;
  }
}
if (process.argv.includes("--check")) {
  console.log(`lock-platforms: ${added} optional platform entries missing`);
  process.exit(added === 0 ? 0 : 1);
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} optional platform entries`);

/** Node's lookup: the package as seen from `path`, walking up node_modules folders. */
function resolves(path, name, spec) {
  let base = path;
  for (;;) {
    const found = pkgs[`${base ? `${base}/` : ""}node_modules/${name}`];
    if (found) return found.version === spec;
    if (!base) return false;
    const i = base.lastIndexOf("/node_modules/");
    base = i < 0 ? "" : base.slice(0, i);
  }
}

/** Where the same parent's installed build (e.g. linux-x64) of the same version was placed. */
function siblingOf(path, entry, spec) {
  for (const other of Object.keys(entry.optionalDependencies ?? {})) {
    let base = path;
    for (;;) {
      const cand = `${base ? `${base}/` : ""}node_modules/${other}`;
      if (pkgs[cand]?.version === spec) return cand;
      if (!base) break;
      const i = base.lastIndexOf("/node_modules/");
      base = i < 0 ? "" : base.slice(0, i);
    }
  }
  return null;
}

function platformOf(name) {
  const n = name.split("/").pop();
  const os = /darwin/.test(n)
    ? "darwin"
    : /win32|windows/.test(n)
      ? "win32"
      : /android/.test(n)
        ? "android"
        : /linux/.test(n)
          ? "linux"
          : null;
  if (!os) return null;
  const cpu = /arm64|aarch64/.test(n) ? "arm64" : /x64|-64\b/.test(n) ? "x64" : null;
  if (!cpu) return null;
  return { os: [os], cpu: [cpu], ...(/musl/.test(n) ? { libc: ["musl"] } : {}) };
}
