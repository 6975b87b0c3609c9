#!/usr/bin/env -S node --disable-warning=ExperimentalWarning --max-semi-space-size=1
// The shipped `tether` (package.json bin, npm start): runs the bridge bundled by
// scripts/build-bridge.mjs, so Node neither strips TypeScript nor loads ~150 modules at run time
// (PERF-BRIDGE.md). `npm ci` builds the bundle (prepare); when a source changed since, it is built
// again here, in a child process so that esbuild never sits in the bridge's memory.
// --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to 16 MiB semi-spaces while
// tokens stream and keeps those pages resident; a bridge allocates little, so the cap costs little
// CPU (PERF-BRIDGE.md). npm start passes the same flags; bench's BridgeWorld reads them from here.
// bin/tether.ts runs the same CLI from source (the tests use it).
import { execFileSync } from "node:child_process";
import { BUILD_SCRIPT, bridgeBundleStale } from "../../scripts/build-bridge.mjs";

if (bridgeBundleStale()) execFileSync(process.execPath, [BUILD_SCRIPT], { stdio: "inherit" });
const { main } = await import("../dist/main.js");
process.exitCode = await main(process.argv.slice(2));
