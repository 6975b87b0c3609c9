import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the embedded relay runs the Worker from this checkout. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The parts of wrangler.toml the embedded relay needs, so that no wrangler is loaded at run time.
 * tests/embedded.test.ts compares them with wrangler's own reading of wrangler.toml.
 */
export const RELAY_CONFIG = {
  name: "tether-relay",
  main: "relay/worker.ts",
  compatibilityDate: "2026-08-01",
  vars: { TETHER_ROOM_MAX_MESSAGES: "100000", TETHER_ROOM_MAX_BYTES: "200000000" },
  /** Only the embedded relay has these: no Cloudflare edge in front (client headers are not trusted, Host is checked). */
  embeddedVars: { TETHER_EMBEDDED: "1" },
  durableObjects: { ROOM: "Room", DIRECTORY: "Directory" },
  assets: {
    directory: "web/dist",
    binding: "ASSETS",
    notFoundHandling: "single-page-application",
    runWorkerFirst: true,
  },
  /** wrangler.toml's [build] command, the same as `npm run build`: it makes web/dist on a fresh clone. */
  buildWeb: "scripts/build-web.mjs",
} as const;

/** Sources whose content decides whether the cached bundle is still the Worker of this checkout. */
export const BUNDLE_INPUTS = ["relay", "shared", "package-lock.json"] as const;
