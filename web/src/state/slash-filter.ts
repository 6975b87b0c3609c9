import type { CommandEntry } from "../../../shared/protocol/index.ts";

/**
 * The composer's command picker (docs/protocol.md §9.10): which commands match what is typed.
 * Pure. The picker is open while the box holds only `/` and the start of a name.
 */

/** The part of a name typed after `/`, or null when the box is not (only) a command being typed. */
export function slashQuery(text: string): string | null {
  const m = /^\/([\w.:-]*)$/.exec(text);
  return m ? (m[1] ?? "") : null;
}

/**
 * Commands whose name (or an alias) starts with the query, then those whose name contains it;
 * each group in the CLI's order, which lists the project's and user's own commands first.
 */
export function matchCommands(commands: readonly CommandEntry[], query: string, limit = 60): CommandEntry[] {
  const q = query.toLowerCase();
  const starts = (c: CommandEntry) =>
    c.name.toLowerCase().startsWith(q) || (c.aliases ?? []).some((a) => a.toLowerCase().startsWith(q));
  const first = commands.filter(starts);
  const then = commands.filter((c) => !starts(c) && c.name.toLowerCase().includes(q));
  return [...first, ...then].slice(0, limit);
}

/** What tapping a command puts in the box: the command and a space for its arguments. */
export function inserted(name: string): string {
  return `/${name} `;
}
