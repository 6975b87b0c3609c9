import { basic } from "./basic.ts";
import { limits } from "./limits.ts";
import type { Directive } from "./types.ts";

/** Every directive the scripted model knows, by name; each topic keeps its own file. */
export const DIRECTIVES: ReadonlyMap<string, Directive> = new Map(Object.entries({ ...basic, ...limits }));
