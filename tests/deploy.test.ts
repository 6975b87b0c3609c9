import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "tether-deploy-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it("the relay is deployable as is: `wrangler deploy --dry-run` bundles it", async () => {
  const { stdout, stderr } = await run(
    "node_modules/.bin/wrangler",
    ["deploy", "--dry-run", "--outdir", out],
    {
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      timeout: 120_000,
    },
  );
  expect(`${stdout}${stderr}`).toMatch(/--dry-run: exiting now/);
  expect(readdirSync(out)).toContain("worker.js");
}, 120_000);

it("the committed Worker types (relay/generated) are what `wrangler types` makes of wrangler.toml today", async () => {
  const check = run(
    "node_modules/.bin/wrangler",
    ["types", "--check", "relay/generated/worker-configuration.d.ts"],
    {
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      timeout: 120_000,
    },
  );
  // A stale file makes wrangler exit 1 ("out of date. Run `wrangler types` to regenerate"): `npm run types`.
  await expect(check).resolves.toMatchObject({ stdout: expect.stringMatching(/up to date/) });
}, 120_000);

it("`npm run build` builds what a deploy serves: the same command as wrangler.toml's [build]", async () => {
  const { unstable_readConfig } = await import("wrangler");
  const wrangler = unstable_readConfig({ config: "wrangler.toml" });
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
  expect(pkg.scripts.build).toBe(wrangler.build.command);
}, 60_000);
