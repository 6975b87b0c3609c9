import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const relayBindings = {
  TETHER_RELAY_SECRET: "test-relay-secret-0123456789",
  TETHER_PUBLIC_URL: "https://relay.test",
};

function relayProject(name: string, include: string[], vars: Record<string, string>, exclude: string[] = []) {
  return {
    plugins: [
      cloudflareTest({
        main: "./relay/worker.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...relayBindings, ...vars } },
      }),
    ],
    test: { name, include, exclude, testTimeout: 30_000 },
  };
}

export default defineConfig({
  test: {
    // Two files at a time, even on 2 cores (vitest would take 1): the integration files mostly wait
    // on their processes (workerd, the Claude CLI, Chromium). Measured on this 2-core machine: the
    // whole run went from 1,596 s to about half, and it passed with a helper's tests running beside.
    maxWorkers: 2,
    projects: [
      relayProject("relay", ["tests/relay/**/*.test.ts"], {}, ["tests/relay/**/*.small.test.ts"]),
      // Retention needs a tiny room cap; one project per configuration of the Worker.
      relayProject("relay-small", ["tests/relay/**/*.small.test.ts"], { TETHER_ROOM_MAX_MESSAGES: "50" }),
      {
        test: {
          name: "node",
          include: ["shared/**/*.test.ts", "bridge/**/*.test.ts", "tests/**/*.test.ts", "web/**/*.test.ts"],
          // tests/full-browser needs a Chromium with notifications (npm run test:full-browser).
          exclude: ["tests/relay/**", "tests/full-browser/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ["./tests/support/chromium-setup.ts"],
        },
      },
    ],
  },
});
