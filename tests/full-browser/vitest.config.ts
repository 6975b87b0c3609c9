import { defineConfig } from "vitest/config";

// Tests that need a full Chromium (a notification platform), which npm cannot bring here: the
// Chromium of `npm ci` is chrome-headless-shell, where notifications are always denied. Not part
// of `npm test`; run with `TETHER_CHROMIUM=/path/to/chromium npm run test:full-browser`.
export default defineConfig({
  test: {
    name: "full-browser",
    include: ["tests/full-browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ["./tests/support/chromium-setup.ts"],
  },
});
