import { createHash } from "node:crypto";
import type { Plugin, Rollup } from "vite";

type OutputAsset = Rollup.OutputAsset;
type OutputBundle = Rollup.OutputBundle;
type OutputChunk = Rollup.OutputChunk;

/**
 * Puts the first screen's script and the stylesheet into index.html, so that a first visit costs
 * one request level: on a slow mobile network each level costs a round trip before anything can
 * paint (bench/web-first-load.ts). The page's CSP lists them by hash ('sha256-…', computed here)
 * instead of opening script-src or style-src to inline code; the relay copies those hashes into
 * its header for the page (relay/http-guard.ts).
 *
 * Every module the entry imports statically is one chunk. The pages loaded later (their own
 * chunks, under /assets/) import what they share with it, such as Preact and the router's
 * signals; an inline module cannot be imported by URL, so the entry hands its exports to them on
 * `globalThis.__tether` (getters: bindings stay live) and their imports from it read that object.
 */
export function inlineEntry(entryModule: string): Plugin {
  return {
    name: "tether-inline-entry",
    apply: "build",
    enforce: "post",
    buildStart() {
      graph = null;
    },
    config: () => ({
      build: {
        rollupOptions: {
          output: {
            manualChunks: (id, meta) => (staticGraph(entryModule, meta).has(id) ? "index" : undefined),
          },
        },
      },
    }),
    // After Vite's own HTML plugin has written index.html into the bundle.
    generateBundle: { order: "post", handler: (_options, bundle) => inline(bundle, entryModule) },
  };
}

function inline(bundle: OutputBundle, entryModule: string): void {
  const chunks = Object.values(bundle).filter((f): f is OutputChunk => f.type === "chunk");
  const entry = chunks.find((c) => c.moduleIds.includes(entryModule));
  const page = bundle["index.html"];
  if (!entry || page?.type !== "asset") throw new Error("inline-entry: no entry chunk or index.html");
  if (entry.imports.length > 0)
    throw new Error(`inline-entry: the entry imports ${entry.imports.join(", ")}`);
  const css = Object.values(bundle).filter(
    (f): f is OutputAsset => f.type === "asset" && f.fileName.endsWith(".css"),
  );
  for (const c of chunks) if (c !== entry) c.code = importsFromGlobal(c.code, entry.fileName);
  const script = exportsToGlobal(entry.code).replace(/\bimport\((["'`])\.\//g, "import($1/assets/");
  if (/<\/script|<!--/i.test(script))
    throw new Error("inline-entry: the entry's code would end its <script> early");
  let html = String(page.source);
  html = html.replace(
    new RegExp(`<script type="module" crossorigin src="/${entry.fileName}"></script>`),
    () => `<script type="module">${script}</script>`,
  );
  const styles = css.map((f) => String(f.source));
  for (const f of css)
    html = html.replace(
      new RegExp(`<link rel="stylesheet" crossorigin href="/${f.fileName}">`),
      () => `<style>${String(f.source)}</style>`,
    );
  if (html.includes(entry.fileName) || css.some((f) => html.includes(f.fileName)))
    throw new Error("inline-entry: index.html still loads the entry or the stylesheet by URL");
  page.source = withHashes(html, [script], styles);
  delete bundle[entry.fileName];
  for (const f of css) delete bundle[f.fileName];
}

/** The entry module and everything it imports statically: one chunk ("index"). */
type ModuleInfo = { importedIds: readonly string[] };
type ChunkMeta = { getModuleInfo: (id: string) => ModuleInfo | null };
let graph: Set<string> | null = null;

function staticGraph(entry: string, meta: ChunkMeta): Set<string> {
  if (graph) return graph;
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of meta.getModuleInfo(id)?.importedIds ?? []) visit(dep);
  };
  visit(entry);
  graph = seen;
  return seen;
}

/** `export{a as b,…}` at the end of the entry becomes `globalThis.__tether` with a getter per name. */
function exportsToGlobal(code: string): string {
  const m = /export\s*\{([^}]*)\};?\s*$/.exec(code);
  if (!m) return code;
  const getters = (m[1] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [local, exported = local] = s.split(/\s+as\s+/);
      return `get ${JSON.stringify(exported)}(){return ${local}}`;
    });
  // First, before the modules' own code runs: the getters read each binding when asked.
  return `globalThis.__tether={${getters.join(",")}};${code.slice(0, m.index)}`;
}

/** `import{b as x}from"./index-….js"` in a later chunk becomes a read of `globalThis.__tether`. */
function importsFromGlobal(code: string, entryFile: string): string {
  const file = entryFile.replace(/^assets\//, "");
  const re = new RegExp(
    `import\\s*\\{([^}]*)\\}\\s*from\\s*["']\\./${file.replace(/[.]/g, "\\.")}["'];?`,
    "g",
  );
  const bare = new RegExp(`import\\s*["']\\./${file.replace(/[.]/g, "\\.")}["'];?`, "g");
  return code.replace(bare, "").replace(re, (_all, names: string) => {
    const props = names
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const [imported, local = imported] = s.split(/\s+as\s+/);
        return `${JSON.stringify(imported)}:${local}`;
      });
    return `const{${props.join(",")}}=globalThis.__tether;`;
  });
}

/** Adds the inline script's and styles' hashes to script-src and style-src of the page's CSP. */
function withHashes(html: string, scripts: string[], styles: string[]): string {
  const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
  return html.replace(
    /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/,
    (_m, a, csp, b) => {
      const out = String(csp)
        .replace("script-src 'self'", `script-src 'self' ${scripts.map(hash).join(" ")}`)
        .replace("style-src 'self'", `style-src 'self' ${styles.map(hash).join(" ")}`);
      return `${a}${out}${b}`;
    },
  );
}
