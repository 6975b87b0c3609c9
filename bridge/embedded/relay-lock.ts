import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pidAlive } from "../pid-alive.ts";

export type Lock = { ok: true; release(): void } | { ok: false; pid: number };

/**
 * One embedded relay per state dir: two workerd processes on the same SQLite files would corrupt
 * them. The lock file holds the owner's pid; a lock whose process is gone is taken over.
 */
export function lockRelayDir(relayDir: string): Lock {
  const path = join(relayDir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return { ok: true, release: () => releaseIfOurs(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (Number.isInteger(owner) && owner !== process.pid && pidAlive(owner)) return { ok: false, pid: owner };
    rmSync(path, { force: true });
  }
  throw new Error(`could not take ${path}`);
}

function releaseIfOurs(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, "utf8"), 10) === process.pid) rmSync(path, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
