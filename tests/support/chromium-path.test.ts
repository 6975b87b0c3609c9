import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { type ChromiumProbes, findChromium, machineProbes } from "./chromium-path.ts";
import { NPM_CHROMIUM, unpackOnce } from "./npm-chromium.ts";

const NPM = "/cache/153.0.0/chromium";

/** A machine where the npm binary exists and runs, no system browser exists, nothing is set. */
function probes(o: Partial<ChromiumProbes> & { broken?: string[] } = {}): ChromiumProbes {
  const broken = new Set(o.broken ?? []);
  return {
    explicit: o.explicit,
    npm: o.npm ?? (() => ({ path: NPM })),
    system: o.system ?? (() => []),
    failure: (path) => (broken.has(path) ? `${path}: libnss3.so: cannot open shared object file` : null),
  };
}

describe("which Chromium the browser tests launch", () => {
  it("TETHER_CHROMIUM first, even when the npm one would run", () => {
    const found = findChromium(
      probes({ explicit: "/opt/chrome/chrome", system: () => ["/usr/bin/chromium"] }),
    );
    expect(found).toEqual({ ok: true, path: "/opt/chrome/chrome", source: "TETHER_CHROMIUM" });
  });

  it("a TETHER_CHROMIUM that does not start is an error, not a quiet fallback", () => {
    const found = findChromium(probes({ explicit: "/nowhere/chrome", broken: ["/nowhere/chrome"] }));
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.message).toMatch(/^TETHER_CHROMIUM=\/nowhere\/chrome does not start/);
  });

  it("then the npm one, before a system browser", () => {
    const found = findChromium(probes({ system: () => ["/usr/bin/chromium"] }));
    expect(found).toEqual({ ok: true, path: NPM, source: NPM_CHROMIUM });
  });

  it("a system browser where the npm one cannot start (a missing library)", () => {
    const system = () => ["/usr/bin/chromium", "/usr/local/bin/google-chrome"];
    const found = findChromium(probes({ system, broken: [NPM, "/usr/bin/chromium"] }));
    expect(found).toEqual({ ok: true, path: "/usr/local/bin/google-chrome", source: "system" });
  });

  it("a system browser where the npm one does not exist (macOS, arm64)", () => {
    const npm = () => ({ none: `${NPM_CHROMIUM} has no binary for darwin-arm64` });
    const found = findChromium(probes({ npm, system: () => ["/usr/bin/chromium"] }));
    expect(found).toEqual({ ok: true, path: "/usr/bin/chromium", source: "system" });
  });

  it("no browser at all: one line that says what to do", () => {
    const npm = () => ({ none: `${NPM_CHROMIUM} has no binary for darwin-arm64` });
    const found = findChromium(probes({ npm }));
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message).not.toContain("\n");
    expect(found.message).toContain("has no binary for darwin-arm64");
    expect(found.message).toContain("set TETHER_CHROMIUM=/path/to/chrome");
  });

  it("on this machine: a browser that starts and says it is Chromium", () => {
    const found = findChromium(machineProbes());
    if (!found.ok) throw new Error(found.message);
    expect(execFileSync(found.path, ["--version"], { encoding: "utf8" })).toMatch(/Chrom(e|ium) \d+/);
  });
});

describe("unpacking the npm Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-unpack-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Big enough that writing it takes a while, so callers overlap as test files do on a first run.
  const binary = Buffer.alloc(16 << 20, "chromium ");
  const br = join(dir, "chromium.br");
  writeFileSync(br, brotliCompressSync(binary, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }));
  const digest = sha256(binary);

  it("hands every concurrent caller a whole binary, and keeps one copy", async () => {
    const target = join(dir, "cache", "153.0.0");
    // Separate processes, as vitest's test files are; each reads the binary the moment it has a path.
    const module = JSON.stringify(new URL("./npm-chromium.ts", import.meta.url).href);
    const script = `import { unpackOnce } from ${module};
      import { readFileSync } from "node:fs";
      import { createHash } from "node:crypto";
      const path = unpackOnce(${JSON.stringify(br)}, ${JSON.stringify(target)}, "chromium");
      console.log(path, createHash("sha256").update(readFileSync(path)).digest("hex"));`;
    const outputs = await Promise.all(Array.from({ length: 4 }, () => runNode(script)));
    expect(outputs).toEqual(Array(4).fill(`${join(target, "chromium")} ${digest}`));
    expect(readdirSync(join(dir, "cache"))).toEqual(["153.0.0"]);
  });

  it("does not take what an interrupted unpack left for a finished one", () => {
    const target = join(dir, "interrupted", "153.0.0");
    mkdirSync(dirname(target), { recursive: true });
    const partial = mkdtempSync(`${target}.partial-`);
    writeFileSync(join(partial, "chromium"), binary.subarray(0, 1000));
    expect(sha256(readFileSync(unpackOnce(br, target, "chromium")))).toBe(digest);
  });
});

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "--disable-warning=ExperimentalWarning", "-e", script],
      (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
    );
  });
}
