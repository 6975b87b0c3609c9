/** Replaced by the build (web/scripts/build-sw.mjs): this build's shell files and version. */
declare const __TETHER_SHELL__: { version: string; files: string[] };
