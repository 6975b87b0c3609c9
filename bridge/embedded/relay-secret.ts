import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../config.ts";

/** The embedded relay's TETHER_RELAY_SECRET: made once, kept private (0600) beside its data. */
export function loadOrCreateSecret(path: string): string {
  try {
    const secret = readFileSync(path, "utf8").trim();
    if (secret.length >= 32) {
      // An older copy or a restore may have loosened the mode; the file is an admin bearer.
      chmodSync(path, 0o600);
      return secret;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const secret = randomBytes(32).toString("base64url");
  writeFileAtomic(path, `${secret}\n`);
  return secret;
}
