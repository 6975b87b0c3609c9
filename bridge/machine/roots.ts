import { realpath } from "node:fs/promises";
import { sep } from "node:path";

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
