import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";
import { inlineEntry } from "./scripts/inline-entry.ts";

/** Where `vite` (dev server only) forwards the relay's routes; `npm run relay` listens here. */
const relay = process.env.TETHER_RELAY ?? "http://127.0.0.1:8787";

// In production the relay's Worker serves the built app, so everything is same-origin. The dev
// server stands in for it and forwards the API and the room sockets to a running relay.
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [
    preact({ devToolsEnabled: false, prefreshEnabled: false }),
    devWithoutCsp(),
    inlineEntry(`${import.meta.dirname}/src/main.tsx`),
  ],
  server: {
    // shared/ lives outside the Vite root.
    fs: { allow: [".."] },
    proxy: {
      "/api": relay,
      "/healthz": relay,
      "/v1": { target: relay, ws: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill would be an inline script, which the page's CSP forbids; every target browser
    // supports modulepreload.
    modulePreload: { polyfill: false },
    // Inlined assets would need `data:` in the CSP; they are few and small anyway.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    sourcemap: false,
  },
});

/** The dev server injects styles and its client inline, which the production CSP (rightly) blocks. */
function devWithoutCsp(): Plugin {
  return {
    name: "tether-dev-without-csp",
    apply: "serve",
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*\/>/s, ""),
  };
}
