import { afterTool, tool } from "./turn.ts";
import type { Directive } from "./types.ts";

/**
 *   [[write_each dir=/abs files=a.txt:one_line,b.txt:other]]  → one Write per file, in turn, in
 *                                                               one turn (underscores become spaces)
 */
export const files: Record<string, Directive> = {
  write_each: ({ args, results, nextId }) => {
    const each = (args.files ?? "").split(",").filter(Boolean);
    const next = each[results.length];
    if (next === undefined) return afterTool(results);
    const [name = "", content = ""] = next.split(":");
    return tool(nextId(), "Write", {
      file_path: `${args.dir ?? ""}/${name}`,
      content: `${content.replaceAll("_", " ")}\n`,
    });
  },
};
