import { describe, expect, it } from "vitest";
import { WorkspaceLimits } from "../../shared/protocol/index.ts";
import { parseStatus } from "./git-status.ts";

const OID = "662d7c0d492e9e29d6136d54d53be4160e0dbefd";
const H = `100644 100644 100644 ${OID} ${OID}`;
/** Records as `git status --porcelain=v2 --branch -z` writes them (git 2.39), NUL-terminated. */
const z = (...records: string[]) => records.map((r) => `${r}\0`).join("");

describe("parseStatus", () => {
  it("reads the branch, its upstream, ahead/behind and each kind of record", () => {
    const out = z(
      `# branch.oid ${OID}`,
      "# branch.head main",
      "# branch.upstream origin/main",
      "# branch.ab +2 -5",
      `1 .M N... ${H} src/app.ts`,
      `1 A. N... 000000 100644 100644 ${OID} ${OID} added file.txt`,
      `1 .D N... ${H} gone.txt`,
      `1 .T N... ${H} link`,
      `2 R. N... ${H} R100 new name.ts`,
      "old name.ts",
      `2 C. N... ${H} C75 copy.ts`,
      "orig.ts",
      `u UU N... 100644 100644 100644 100644 ${OID} ${OID} ${OID} both.ts`,
      "? notes/todo.md",
      "! ignored.log",
    );
    expect(parseStatus(out, "")).toEqual({
      branch: "main",
      upstream: "origin/main",
      ahead: 2,
      behind: 5,
      truncated: false,
      files: [
        { path: "src/app.ts", state: "modified" },
        { path: "added file.txt", state: "added" },
        { path: "gone.txt", state: "deleted" },
        { path: "link", state: "type_changed" },
        { path: "new name.ts", state: "renamed", oldPath: "old name.ts" },
        { path: "copy.ts", state: "copied", oldPath: "orig.ts" },
        { path: "both.ts", state: "conflicted" },
        { path: "notes/todo.md", state: "untracked" },
      ],
    });
  });

  it("a detached HEAD has no branch; no upstream means 0 ahead and behind", () => {
    const s = parseStatus(z("# branch.oid (initial)", "# branch.head (detached)"), "");
    expect(s).toEqual({ branch: null, upstream: null, ahead: 0, behind: 0, files: [], truncated: false });
  });

  it("makes paths relative to the cwd and leaves out what lies outside it", () => {
    const out = z(
      "# branch.head dev",
      `1 .M N... ${H} app/a.ts`,
      `1 .M N... ${H} other/b.ts`,
      `2 R. N... ${H} R100 app/moved.ts`,
      "other/from.ts",
      `2 R. N... ${H} R100 app/renamed.ts`,
      "app/was.ts",
      "? app/new.ts",
    );
    expect(parseStatus(out, "app/").files).toEqual([
      { path: "a.ts", state: "modified" },
      { path: "moved.ts", state: "renamed" },
      { path: "renamed.ts", state: "renamed", oldPath: "was.ts" },
      { path: "new.ts", state: "untracked" },
    ]);
  });

  it("stops at the file cap and at the path-bytes cap, saying so", () => {
    const many = z("# branch.head main", ...Array.from({ length: 30 }, (_, i) => `? f${i}.txt`));
    const byCount = parseStatus(many, "", { ...WorkspaceLimits, statusFiles: 10 });
    expect(byCount.files).toHaveLength(10);
    expect(byCount.truncated).toBe(true);
    const byBytes = parseStatus(many, "", { ...WorkspaceLimits, statusPathBytes: 20 });
    expect(byBytes.files.map((f) => f.path)).toEqual(["f0.txt", "f1.txt", "f2.txt"]);
    expect(byBytes.truncated).toBe(true);
    expect(parseStatus(many, "").truncated).toBe(false);
  });
});
