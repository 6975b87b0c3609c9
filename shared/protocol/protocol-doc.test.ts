import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kinds, openToBridge, specOf } from "./kinds.ts";

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

describe("docs/protocol.md and the kinds table", () => {
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
