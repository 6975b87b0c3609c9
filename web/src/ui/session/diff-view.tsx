import { diffLines } from "diff";
import { z } from "zod";
import type { DiffLine } from "./unified-diff.ts";

const Edit = z.object({ file_path: z.string(), old_string: z.string(), new_string: z.string() });
const MultiEdit = z.object({ file_path: z.string(), edits: z.array(Edit.omit({ file_path: true })) });
const Write = z.object({ file_path: z.string(), content: z.string() });

const MAX_LINES = 400;

type Line = DiffLine;

/** Whether a tool's input is shown as a diff (Edit, MultiEdit, Write). */
export function isDiffTool(name: string, input: unknown): boolean {
  return editsOf(name, input) !== null;
}

/** The file a tool touches, when its input names one. */
export function filePathOf(input: unknown): string | null {
  const r = z.object({ file_path: z.string() }).safeParse(input);
  return r.success ? r.data.file_path : null;
}

/** Line diffs of Edit/MultiEdit inputs; Write shows its whole content as added lines. */
export function DiffView(p: { name: string; input: unknown }) {
  const edits = editsOf(p.name, p.input);
  if (!edits) return null;
  return (
    <div class="diff-wrap">
      {edits.map((e, i) => (
        <DiffLines key={i} lines={diff(e.old, e.new)} label={edits.length > 1 ? `Edit ${i + 1}` : null} />
      ))}
    </div>
  );
}

/** Diff lines as a figure: added and removed lines marked, hunk headers muted, long diffs cut. */
export function DiffLines(p: { lines: Line[]; label: string | null; max?: number }) {
  const max = p.max ?? MAX_LINES;
  const shown = p.lines.slice(0, max);
  const adds = p.lines.filter((l) => l.kind === "add").length;
  const dels = p.lines.filter((l) => l.kind === "del").length;
  return (
    <figure class="diff" aria-label={`${p.label ?? "Diff"}: ${adds} lines added, ${dels} removed`}>
      {p.label ? <figcaption>{p.label}</figcaption> : null}
      <pre>
        {shown.map((l, i) => (
          <span key={i} class={`dl ${l.kind}`}>
            {l.kind === "add" ? "+ " : l.kind === "del" ? "- " : l.kind === "hunk" ? "" : "  "}
            {l.text}
            {"\n"}
          </span>
        ))}
      </pre>
      {p.lines.length > max ? <p class="muted">… {p.lines.length - max} more lines</p> : null}
    </figure>
  );
}

function editsOf(name: string, input: unknown): { old: string; new: string }[] | null {
  if (name === "Edit") {
    const r = Edit.safeParse(input);
    return r.success ? [{ old: r.data.old_string, new: r.data.new_string }] : null;
  }
  if (name === "MultiEdit") {
    const r = MultiEdit.safeParse(input);
    return r.success ? r.data.edits.map((e) => ({ old: e.old_string, new: e.new_string })) : null;
  }
  if (name === "Write") {
    const r = Write.safeParse(input);
    return r.success ? [{ old: "", new: r.data.content }] : null;
  }
  return null;
}

function diff(before: string, after: string): Line[] {
  const out: Line[] = [];
  for (const part of diffLines(before, after)) {
    const kind = part.added ? "add" : part.removed ? "del" : "ctx";
    const lines = part.value.replace(/\n$/, "").split("\n");
    for (const text of lines) out.push({ kind, text });
  }
  return out;
}
