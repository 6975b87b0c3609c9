// Builds the phone app into web/dist. Until the Vite app exists (issue: web app), this writes a
// minimal page so that wrangler's [assets] directory exists on a fresh clone.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "web", "dist");
mkdirSync(dist, { recursive: true });
if (!existsSync(join(dist, "index.html"))) {
  writeFileSync(
    join(dist, "index.html"),
    '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
      "<title>Tether</title><h1>Tether relay</h1><p>The phone app is not built yet.</p>\n",
  );
}
