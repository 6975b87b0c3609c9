import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FIRST_GENERATION_MAX, Keyring } from "./keyring.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-keyring-"));
  dirs.push(dir);
  return dir;
}
const room = "s-Q2xhdWRlIGlzIGhlcmUgdG9v";

describe("a keyring's first generation", () => {
  it("is drawn once, kept across reopening, and every room starts there", () => {
    const dir = stateDir();
    const a = Keyring.inStateDir(dir);
    const first = a.addGeneration(room).k;
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(FIRST_GENERATION_MAX);
    expect(a.addGeneration(room).k).toBe(first + 1);
    expect(a.addGeneration("m-machine01").k).toBe(first);
    const again = Keyring.inStateDir(dir, { firstGeneration: 7 });
    expect(again.firstGeneration()).toBe(first);
    expect(again.addGeneration("s-another-room-000000000").k).toBe(first);
  });

  it("differs between keyrings made anew, so a wiped keys.db does not reuse generations", () => {
    const firsts = new Set(Array.from({ length: 8 }, () => Keyring.inStateDir(stateDir()).firstGeneration()));
    // Eight draws from 900,000 values: all equal only if the draw were fixed.
    expect(firsts.size).toBeGreaterThan(1);
  });
});
