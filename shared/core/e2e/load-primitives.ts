import type { Primitives } from "./primitives.ts";
import { webPrimitives } from "./web-primitives.ts";

let soft: Promise<Primitives> | null = null;

/**
 * WebCrypto's primitives, or the pure-JavaScript twin when this realm has no `crypto.subtle` (a
 * page on plain HTTP that is not localhost). Asked at each use, so a test can take WebCrypto away;
 * the twin is a separate chunk, fetched the first time it is needed.
 */
export function loadPrimitives(): Primitives | Promise<Primitives> {
  // `crypto` itself is there in every realm we run in; `subtle` only in secure contexts.
  if (crypto.subtle) return webPrimitives;
  soft ??= import("./soft-primitives.ts").then((m) => m.softPrimitives);
  return soft;
}
