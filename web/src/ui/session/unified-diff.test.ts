import { describe, expect, it } from "vitest";
import { parseUnified } from "./unified-diff.ts";

describe("parseUnified", () => {
  it("reads git's diff of a changed file, leaving out its headers", () => {
    const text = [
      "diff --git a/a.txt b/a.txt",
      "index 1111111..2222222 100644",
      "--- a/a.txt",
      "+++ b/a.txt",
      "@@ -1,3 +1,3 @@",
      " one",
      "-two",
      "+TWO",
      " three",
      "",
    ].join("\n");
    expect(parseUnified(text)).toEqual([
      { kind: "hunk", text: "@@ -1,3 +1,3 @@" },
      { kind: "ctx", text: "one" },
      { kind: "del", text: "two" },
      { kind: "add", text: "TWO" },
      { kind: "ctx", text: "three" },
    ]);
  });

  it("reads a new file's diff from /dev/null, and a line that looks like a header inside a hunk", () => {
    const text =
      "diff --git a/n b/n\n--- /dev/null\n+++ b/n\n@@ -0,0 +1,2 @@\n+++ b\n+--- c\n\\ No newline at end of file\n";
    expect(parseUnified(text)).toEqual([
      { kind: "hunk", text: "@@ -0,0 +1,2 @@" },
      { kind: "add", text: "++ b" },
      { kind: "add", text: "--- c" },
      { kind: "ctx", text: "\\ No newline at end of file" },
    ]);
  });

  it("reads an empty diff as no lines", () => {
    expect(parseUnified("")).toEqual([]);
  });
});
