// What the build scripts (build-web.mjs, build-bridge.mjs) share: a stamp of their inputs, so a
// build with nothing changed returns at once, and a lock, so concurrent runs never write one dist
// together.
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Newest mtime and file count of every file under `dirs` (dist and node_modules skipped, and what
 * `skip` names) and of `files`, all relative to `root`: a deletion changes the count.
 */
export function inputsStamp(root, dirs, files, skip = () => false) {
  let newest = 0;
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "dist" || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (!skip(entry.name)) {
        count++;
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const dir of dirs) visit(join(root, dir));
  for (const file of files) {
    count++;
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  }
  return `${newest}:${count}`;
}

/** mkdir is atomic: the one that creates the directory holds the lock; a crashed holder goes stale. */
export async function withLock(lockDir, staleMs, fn) {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + staleMs * 2;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      if (Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > staleMs)
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
