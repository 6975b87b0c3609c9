import { realpath } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";

/** Whether `real` (already resolved) is one of `roots` or lies under one. */
export function isUnderRoots(real: string, roots: readonly string[]): boolean {
  return roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
}

/**
 * `path` resolved (`..` and symlinks) when it lies under a root, else null. A path that does not
 * exist and one outside the roots get the same null, so a refusal tells nothing about the disk.
 */
export async function resolveUnderRoots(path: string, roots: readonly string[]): Promise<string | null> {
  const real = await realpath(path).catch(() => null);
  return real !== null && isUnderRoots(real, roots) ? real : null;
}

/**
 * A path from a phone, taken against `base` (a real folder under a root): `full` is it with `..`
 * collapsed (the disk is never asked about `link/..`), `real` where it leads with symlinks
 * followed. `missing` is said only when the deepest folder of it that exists lies under a root,
 * so "nothing there" never tells anything about the disk outside the roots.
 */
export type PathUnderRoots =
  | { kind: "found"; full: string; real: string }
  | { kind: "missing"; full: string }
  | { kind: "outside" };

export async function resolvePathUnderRoots(
  base: string,
  path: string,
  roots: readonly string[],
): Promise<PathUnderRoots> {
  const full = resolve(base, path);
  if (!isUnderRoots(full, roots)) return { kind: "outside" };
  const real = await realpath(full).catch(() => null);
  if (real !== null) return isUnderRoots(real, roots) ? { kind: "found", full, real } : { kind: "outside" };
  for (let dir = dirname(full); ; dir = dirname(dir)) {
    const found = await realpath(dir).catch(() => null);
    if (found !== null) return isUnderRoots(found, roots) ? { kind: "missing", full } : { kind: "outside" };
    if (dirname(dir) === dir) return { kind: "outside" };
  }
}
