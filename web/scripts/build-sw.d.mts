/** Types of build-sw.mjs (plain JavaScript, so that the build runs on any Node without a TS loader). */

export type ShellFile = { url: string; path: string };
export type ShellBuild = { version: string; files: string[]; bytes: number; gzipBytes: number };

/** What sw.js holds where the crypto twin would be: it is never bundled into the worker. */
export const SOFT_STUB: string;
export function shellFiles(dist: string): ShellFile[];
export function buildServiceWorker(dist: string): Promise<ShellBuild>;
