import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kinds, openToBridge, specOf } from "./kinds.ts";
import { MachineNoticeCode, SessionNoticeCode } from "./notice.ts";

// docs/protocol.md is the normative contract; this keeps it true to the kinds table: every kind has
// a row of its own, and the roles table (§2.5) names every stored kind a role may send.
const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
const stored = Object.keys(kinds).filter((k) => specOf(k)?.direction === "stored");

/** The cell of the §2.5 roles table that lists what `role` may send. */
function rolesCell(role: string): string {
  const section = doc.slice(
    doc.indexOf("### 2.5 Roles"),
    doc.indexOf("\n### ", doc.indexOf("### 2.5 Roles") + 1),
  );
  const row = section.split("\n").find((l) => l.startsWith(`| \`${role}\``));
  return row?.split("|")[2] ?? "";
}

/** The first-column codes of the §9.8 table that follows `heading` (a line of its own). */
function noticeTable(heading: string): string[] {
  const section = doc.slice(doc.indexOf("### 9.8 Notices"), doc.indexOf("### 9.9"));
  const from = heading ? section.indexOf(heading) : 0;
  const lines = section.slice(from).split("\n");
  const start = lines.findIndex((l) => l.startsWith("| code"));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
  return lines
    .slice(start + 2, end)
    .map((l) => /^\| `([a-z_]+)`/.exec(l)?.[1] ?? "")
    .sort();
}

describe("docs/protocol.md and the kinds table", () => {
  it("the §9.8 notice tables list exactly the notice codes the schemas hold", () => {
    expect(noticeTable("")).toEqual([...SessionNoticeCode.options].sort());
    expect(noticeTable("`machine.notice` codes")).toEqual([...MachineNoticeCode.options].sort());
  });

  it("every kind has a row whose first cell names it", () => {
    const missing = Object.keys(kinds).filter((k) => {
      const rows = doc.split("\n").filter((l) => l.startsWith("|"));
      return !rows.some((l) => (l.split("|")[1] ?? "").includes(`\`${k}\``));
    });
    expect(missing).toEqual([]);
  });

  it("the roles table names every stored kind each role may send", () => {
    for (const role of ["bridge", "controller"] as const) {
      const cell = rolesCell(role);
      const missing = stored.filter((k) => {
        if (!specOf(k)?.from.includes(role)) return false;
        if (role === "bridge" && openToBridge.storedPrefixes.some((p) => k.startsWith(p))) return false;
        return !cell.includes(`\`${k}\``);
      });
      expect(missing, `${role} row of §2.5`).toEqual([]);
    }
  });
});
