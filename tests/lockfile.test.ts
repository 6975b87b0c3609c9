import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";

// npm omits other platforms' optional binaries when this machine's registry mirror lacks them, and
// then `npm ci` refuses the lock on every fresh clone. scripts/lock-platforms.mjs adds them back.
it("the lock file lists every optional platform binary, so `npm ci` works on a fresh clone", () => {
  const out = execFileSync("node", ["scripts/lock-platforms.mjs", "--check"], { encoding: "utf8" });
  expect(out).toContain("0 optional platform entries missing");
});
