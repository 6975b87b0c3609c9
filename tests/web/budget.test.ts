import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { shellFiles } from "../../web/scripts/build-sw.mjs";

// Issue 4's budgets, tightened by issue 14, measured on the real build: first-load JS ≤ 30 KB
// gzipped (the script inlined in the page and anything it loads by URL before it runs), CSS ≤ 15 KB
// gzipped, and nothing that makes the phone talk to any origin but the relay's. The service
// worker (issue 12) is not first-load JS; what it precaches is printed for the record.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = join(ROOT, "web", "dist");
const KB = 1024;
const JS_BUDGET = 30 * KB;
const CSS_BUDGET = 15 * KB;

/**
 * Absolute URLs that appear in the bundle as identifiers, never fetched: XML namespaces (Preact
 * creates SVG and MathML elements with them), JSON Schema dialect ids (zod's toJSONSchema), and
 * zod's IPv6 check, which parses `http://[<address>]` with the URL constructor, and the links in
 * two of highlight.js's console warnings (the changes view's highlighter chunk).
 */
const IDENTIFIER_URLS = [
  /^http:\/\/www\.w3\.org\//,
  /^https?:\/\/json-schema\.org\//,
  /^http:\/\/\[\$\{/,
  /^https:\/\/github\.com\/highlightjs\/highlight\.js\/(?:issues\/2277|wiki\/security)$/,
];

let html = "";

beforeAll(() => {
  // Skips the work when nothing changed since the last build (pretest usually ran it already).
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-web.mjs")], { stdio: "inherit" });
  html = readFileSync(join(DIST, "index.html"), "utf8");
}, 120_000);

describe("web app budgets", () => {
  it("loads at most 30 KB of gzipped JavaScript and 15 KB of gzipped CSS up front", () => {
    const inline = inlineBodies(html, "script");
    expect(inline.length).toBeGreaterThan(0);
    const entries = [...attrs(html, "script", "src"), ...linkHrefs(html, "modulepreload")];
    // What the inline script imports statically would be fetched before it runs: first-load too.
    const js = staticClosure([...entries, ...inline.flatMap((code) => staticImports(code, "/"))]);
    const styles = inlineBodies(html, "style");
    const css = linkHrefs(html, "stylesheet");
    expect(styles.length + css.length).toBeGreaterThan(0);
    const jsBytes =
      inline.reduce((n, code) => n + gzipText(code), 0) + js.reduce((n, f) => n + gzipped(f), 0);
    const cssBytes = styles.reduce((n, t) => n + gzipText(t), 0) + css.reduce((n, f) => n + gzipped(f), 0);
    const lazy = readdirSync(join(DIST, "assets"))
      .map((f) => `/assets/${f}`)
      .filter((f) => f.endsWith(".js") && !js.includes(f));
    console.info(
      `first-load JS ${kb(jsBytes)} gz (${inline.length} inline, ${js.join(", ") || "no files"}); CSS ${kb(cssBytes)} gz; ` +
        `loaded later: ${lazy.map((f) => `${f} ${kb(gzipped(f))}`).join(", ") || "none"}`,
    );
    expect(jsBytes).toBeLessThanOrEqual(JS_BUDGET);
    expect(cssBytes).toBeLessThanOrEqual(CSS_BUDGET);
  });

  it("keeps the service worker out of the first load, and says what it precaches", () => {
    // index.html loads it neither as a script nor as a module: the app registers it after start.
    const loaded = [...attrs(html, "script", "src"), ...linkHrefs(html, "modulepreload")];
    expect(staticClosure(loaded)).not.toContain("/sw.js");
    for (const code of inlineBodies(html, "script")) expect(staticImports(code, "/")).not.toContain("/sw.js");
    const shell = shellFiles(DIST);
    const urls = shell.map((f) => f.url);
    // The whole app: the page, every chunk (the session page's too), the stylesheet, manifest, icons;
    // but not WebCrypto's pure-JavaScript twin, which only pages without a service worker load.
    expect(urls).toContain("/");
    expect(urls).toContain("/manifest.webmanifest");
    const soft = (f: string) => /^soft-primitives-[\w-]+\.js$/.test(f);
    const assets = readdirSync(join(DIST, "assets"));
    expect(assets.filter(soft)).toHaveLength(1);
    for (const f of assets) expect(urls.includes(`/assets/${f}`)).toBe(!soft(f));
    expect(urls).not.toContain("/sw.js");
    const sw = readFileSync(join(DIST, "sw.js"), "utf8");
    for (const url of urls) expect(sw).toContain(JSON.stringify(url));
    const raw = shell.reduce((n, f) => n + statSync(f.path).size, 0);
    const gz = shell.reduce((n, f) => n + gzipSync(readFileSync(f.path), { level: 9 }).length, 0);
    console.info(
      `service worker precache: ${shell.length} files, ${raw} bytes (${kb(raw)}), ${gz} bytes gzipped (${kb(gz)}); ` +
        `sw.js itself ${statSync(join(DIST, "sw.js")).size} bytes`,
    );
  });

  it("fetches WebCrypto's pure-JavaScript twin only on a page without WebCrypto", () => {
    const loaded = [...attrs(html, "script", "src"), ...linkHrefs(html, "modulepreload")];
    const inline = inlineBodies(html, "script").flatMap((code) => staticImports(code, "/"));
    const assets = readdirSync(join(DIST, "assets")).map((f) => `/assets/${f}`);
    const soft = assets.find((f) => /^\/assets\/soft-primitives-[\w-]+\.js$/.test(f));
    expect(soft).toBeDefined();
    expect(staticClosure([...loaded, ...inline])).not.toContain(soft);
    // Nothing imports it statically; one chunk names it for its import() (load-primitives.ts).
    for (const f of assets.filter((a) => a.endsWith(".js") && a !== soft))
      expect(staticClosure([f])).not.toContain(soft);
    const naming = assets.filter((f) => readFileSync(distPath(f), "utf8").includes(soft?.slice(8) ?? "-"));
    expect(naming).toHaveLength(1);
  });

  it("fetches the syntax highlighter only when the changes view shows a file's text", () => {
    const loaded = [...attrs(html, "script", "src"), ...linkHrefs(html, "modulepreload")];
    const assets = readdirSync(join(DIST, "assets")).map((f) => `/assets/${f}`);
    const highlighter = assets.find((f) => /^\/assets\/highlighter-[\w-]+\.js$/.test(f));
    const changes = assets.find((f) => /^\/assets\/changes-page-[\w-]+\.js$/.test(f));
    expect(highlighter).toBeDefined();
    expect(changes).toBeDefined();
    expect(staticClosure(loaded)).not.toContain(highlighter);
    // Opening the view does not fetch it either: only a file's text does (import() in file-text.tsx).
    expect(staticClosure([changes ?? ""])).not.toContain(highlighter);
    expect(readFileSync(distPath(changes ?? ""), "utf8")).toContain(highlighter?.slice("/assets/".length));
  });

  it("references no origin but its own", () => {
    const foreign: string[] = [];
    for (const file of files(DIST)) {
      if (!/\.(html|js|css|webmanifest|svg|json)$/.test(file)) continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\b(?:https?|wss?):\/\/[^\s"'`)<>]+/g)) {
        if (!IDENTIFIER_URLS.some((ok) => ok.test(m[0]))) foreign.push(`${relative(DIST, file)}: ${m[0]}`);
      }
      // Protocol-relative URLs in markup or CSS would load from another host as well.
      for (const m of text.matchAll(/(?:src|href)=["']\/\/[^"']+|url\(\s*["']?\/\/[^)]+/g))
        foreign.push(`${relative(DIST, file)}: ${m[0]}`);
    }
    expect(foreign).toEqual([]);
  });

  it("pins every fetch and socket to the relay's origin with a Content-Security-Policy", () => {
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? "";
    const directives = new Map(
      csp.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    for (const name of ["default-src", "connect-src"]) expect(directives.get(name), name).toEqual(["'self'"]);
    // Inline code only by the hash of what the build inlined, never 'unsafe-inline'.
    const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
    expect(directives.get("script-src")).toEqual(["'self'", ...inlineBodies(html, "script").map(hash)]);
    expect(directives.get("style-src")).toEqual(["'self'", ...inlineBodies(html, "style").map(hash)]);
    // Attachment previews are data URLs (docs/protocol.md §9.5.1); nothing else beyond the origin.
    expect(directives.get("img-src")).toEqual(["'self'", "data:"]);
  });
});

/** The entry modules and everything they import statically (what the browser fetches before running). */
function staticClosure(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (url: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    for (const dep of staticImports(readFileSync(distPath(url), "utf8"), url)) visit(dep);
  };
  for (const e of entries) visit(e);
  return [...seen];
}

/** `import x from"./a.js"`, `import"./a.js"`, `export * from"./a.js"`; never `import("./a.js")`. */
function staticImports(code: string, from: string): string[] {
  return [
    ...code.matchAll(/(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["'](\.{0,2}\/[^"']+)["']/g),
  ].map((m) => new URL(m[1] ?? "", `http://x${from}`).pathname);
}

/** The text of each inline `<script>` (no src) or `<style>` element. */
function inlineBodies(text: string, tag: "script" | "style"): string[] {
  return [...text.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g"))]
    .filter((m) => !/\bsrc=/.test(m[1] ?? ""))
    .map((m) => m[2] ?? "");
}

function gzipText(text: string): number {
  return gzipSync(Buffer.from(text), { level: 9 }).length;
}

function attrs(text: string, tag: string, attr: string): string[] {
  return [...text.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${attr}="([^"]+)"`, "g"))].map((m) => m[1] ?? "");
}

function linkHrefs(text: string, rel: string): string[] {
  return [...text.matchAll(/<link\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes(`rel="${rel}"`))
    .map((tag) => /href="([^"]+)"/.exec(tag)?.[1] ?? "");
}

function distPath(url: string): string {
  if (!url.startsWith("/")) throw new Error(`index.html loads ${url}, which is not a same-origin path`);
  return join(DIST, url);
}

function gzipped(url: string): number {
  return gzipSync(readFileSync(distPath(url)), { level: 9 }).length;
}

function kb(bytes: number): string {
  return `${(bytes / KB).toFixed(1)} KB`;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
