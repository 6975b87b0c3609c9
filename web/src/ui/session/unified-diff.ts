/** One line of a rendered diff: added, removed, context, or a hunk's `@@ … @@` header. */
export type DiffLine = { kind: "add" | "del" | "ctx" | "hunk"; text: string };

/**
 * The lines of a unified diff as git prints it (`git diff`, docs/protocol.md §9.3.1), for the
 * same view as a tool call's diff. The file headers before the first hunk (`diff --git`, `index`,
 * `---`, `+++`, modes) say what the page already shows, so they are left out; "\ No newline at
 * end of file" is kept as context. Pure.
 */
export function parseUnified(text: string): DiffLine[] {
  const out: DiffLine[] = [];
  let inHunk = false;
  for (const line of text.replace(/\n$/, "").split("\n")) {
    if (line.startsWith("diff --git ")) inHunk = false;
    if (line.startsWith("@@")) {
      inHunk = true;
      out.push({ kind: "hunk", text: line });
    } else if (!inHunk && isHeader(line)) continue;
    else if (line.startsWith("+")) out.push({ kind: "add", text: line.slice(1) });
    else if (line.startsWith("-")) out.push({ kind: "del", text: line.slice(1) });
    else out.push({ kind: "ctx", text: line.startsWith(" ") ? line.slice(1) : line });
  }
  return text === "" ? [] : out;
}

const HEADERS = [
  "diff --git ",
  "index ",
  "--- ",
  "+++ ",
  "new file mode ",
  "deleted file mode ",
  "old mode ",
  "new mode ",
  "similarity index ",
  "rename from ",
  "rename to ",
  "copy from ",
  "copy to ",
  "Binary files ",
];

function isHeader(line: string): boolean {
  return HEADERS.some((h) => line.startsWith(h));
}
