import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { buildServiceWorker, SOFT_STUB, shellFiles } from "./build-sw.mjs";

/** A dist as Vite leaves it, plus what the shell must leave out. */
function fakeDist(): string {
  const dist = mkdtempSync(join(tmpdir(), "tether-sw-build-"));
  mkdirSync(join(dist, "assets"));
  const files: Record<string, string> = {
    "index.html": "<!doctype html><script type=module src=/assets/index-a1.js></script>",
    "assets/index-a1.js": "console.log(1)",
    "assets/session-page-b2.js": "console.log(2)",
    "assets/soft-primitives-e5.js": "console.log(5)",
    "assets/index-c3.css": "body{}",
    "manifest.webmanifest": "{}",
    "icon-192.png": "png",
    ".build-stamp": "1:2",
    "assets/index-a1.js.map": "{}",
    "sw.js": "old worker",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dist, name), text);
  return dist;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dist(): string {
  const d = fakeDist();
  dirs.push(d);
  return d;
}

describe("the service worker build", () => {
  it("precaches every file of the app, index.html as /, and nothing else", () => {
    // The crypto twin is for insecure pages, which never have a service worker.
    expect(shellFiles(dist()).map((f) => f.url)).toEqual([
      "/",
      "/assets/index-a1.js",
      "/assets/index-c3.css",
      "/assets/session-page-b2.js",
      "/icon-192.png",
      "/manifest.webmanifest",
    ]);
  });

  it("writes one classic script with the list and a version that changes with any file", async () => {
    const d = dist();
    const first = await buildServiceWorker(d);
    const code = readFileSync(join(d, "sw.js"), "utf8");
    expect(first.version).toMatch(/^[0-9a-f]{16}$/);
    expect(code.split("\n")[0]).toBe(`// tether app shell ${first.version}`);
    expect(code).toContain('"/assets/session-page-b2.js"');
    expect(first.bytes).toBeGreaterThan(0);
    expect(first.gzipBytes).toBeGreaterThan(0);
    // A classic script: it runs where `import` and `export` would be syntax errors, and installs
    // its listeners on `self`.
    expect(code).not.toMatch(/^\s*(import|export)\b/m);
    // The worker has WebCrypto: the twin's module is a stub, not 50 KB of @noble.
    expect(code).toContain(SOFT_STUB);
    expect(code).not.toContain("soft-primitives-e5");
    const listeners: string[] = [];
    const self = {
      addEventListener: (type: string) => listeners.push(type),
      location: { origin: "https://x" },
    };
    runInNewContext(code, { self, URL, Set, console, TextEncoder, TextDecoder });
    // The shell's four and Web Push's three (web/src/sw/push.ts).
    expect(listeners.sort()).toEqual([
      "activate",
      "fetch",
      "install",
      "message",
      "notificationclick",
      "push",
      "sync",
    ]);

    expect((await buildServiceWorker(d)).version).toBe(first.version);
    writeFileSync(join(d, "index.html"), "<!doctype html><p>next build</p>");
    const second = await buildServiceWorker(d);
    expect(second.version).not.toBe(first.version);
    writeFileSync(join(d, "assets", "index-d4.js"), "console.log(3)");
    expect((await buildServiceWorker(d)).version).not.toBe(second.version);
  });
});
