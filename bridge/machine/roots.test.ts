import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolvePathUnderRoots } from "./roots.ts";

const top = realpathSync(mkdtempSync(join(tmpdir(), "tether-roots-")));
const root = join(top, "root");
const outside = join(top, "outside");
mkdirSync(join(root, "app"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, "app", "a.txt"), "a");
writeFileSync(join(outside, "secret"), "s");
symlinkSync(outside, join(root, "app", "out-dir"));
symlinkSync(join(outside, "secret"), join(root, "app", "out-file"));
symlinkSync(join(root, "app", "a.txt"), join(root, "app", "in-file"));
afterAll(() => rmSync(top, { recursive: true, force: true }));

const cwd = join(root, "app");
const at = (path: string) => resolvePathUnderRoots(cwd, path, [root]);

describe("resolvePathUnderRoots", () => {
  it("finds a file under the roots, through a symlink that stays inside too", async () => {
    expect(await at("a.txt")).toEqual({ kind: "found", full: join(cwd, "a.txt"), real: join(cwd, "a.txt") });
    expect(await at("in-file")).toMatchObject({ kind: "found", real: join(cwd, "a.txt") });
    expect(await at(join(cwd, "a.txt"))).toMatchObject({ kind: "found" });
  });

  it("says missing for nothing there under the roots, also below a file", async () => {
    expect(await at("nothing.txt")).toEqual({ kind: "missing", full: join(cwd, "nothing.txt") });
    expect(await at("no/such/dir/x")).toMatchObject({ kind: "missing" });
    expect(await at("a.txt/x")).toMatchObject({ kind: "missing" });
  });

  it("refuses the same way outside the roots whether or not something is there", async () => {
    for (const path of [
      "../../outside/secret",
      "../../outside/nothing",
      join(outside, "secret"),
      "/no/such/place",
      "out-file",
      "out-dir/secret",
      "out-dir/nothing",
      "out-dir",
    ])
      expect(await at(path), path).toEqual({ kind: "outside" });
  });

  it("collapses `..` before the disk is asked: `link/..` never climbs out through the link", async () => {
    expect(await at("out-dir/../a.txt")).toMatchObject({ kind: "found", real: join(cwd, "a.txt") });
    expect(await at("out-dir/../secret")).toEqual({ kind: "missing", full: join(cwd, "secret") });
  });
});
