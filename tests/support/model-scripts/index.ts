import { agents } from "./agents.ts";
import { basic } from "./basic.ts";
import { commands } from "./commands.ts";
import { files } from "./files.ts";
import { limits } from "./limits.ts";
import { questions } from "./questions.ts";
import type { Directive } from "./types.ts";

/** Every directive the scripted model knows, by name; each topic keeps its own file. */
export const DIRECTIVES: ReadonlyMap<string, Directive> = new Map(
  Object.entries({ ...basic, ...questions, ...agents, ...commands, ...files, ...limits }),
);
