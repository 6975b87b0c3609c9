import { describe, expect, it } from "vitest";
import { addedDiff, cutPage, looksBinary } from "./text-page.ts";

/** Every page of `source`, `max` bytes at most, as a reader paging through it would get them. */
function pages(source: Buffer, max: number): string[] {
  const texts: string[] = [];
  for (let offset = 0; ; ) {
    const page = cutPage(source.subarray(offset), false, max);
    expect(Buffer.byteLength(page.text)).toBe(page.length);
    expect(page.length).toBeLessThanOrEqual(max);
    texts.push(page.text);
    if (page.last) return texts;
    expect(page.length).toBeGreaterThan(0);
    offset += page.length;
  }
}

describe("cutPage", () => {
  it("returns a short text whole, as the last page", () => {
    expect(cutPage(Buffer.from("one\ntwo\n"), false, 100)).toEqual({
      text: "one\ntwo\n",
      length: 8,
      last: true,
    });
    expect(cutPage(Buffer.from(""), false, 100)).toEqual({ text: "", length: 0, last: true });
  });

  it("is not the last page while the source goes on past the window", () => {
    expect(cutPage(Buffer.from("one\ntwo\n"), true, 100)).toEqual({
      text: "one\ntwo\n",
      length: 8,
      last: false,
    });
  });

  it("ends a page after a line when one ends in its second half; the pages join up to the whole", () => {
    const source = Buffer.from(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(""));
    const texts = pages(source, 64);
    expect(texts.length).toBeGreaterThan(5);
    for (const t of texts) expect(t.endsWith("\n")).toBe(true);
    expect(texts.join("")).toBe(source.toString());
  });

  it("never splits a character when no line ends in the page", () => {
    const source = Buffer.from("ééééé€€€€€".repeat(20));
    const texts = pages(source, 7);
    for (const t of texts) expect(t).not.toContain("\uFFFD");
    expect(texts.join("")).toBe(source.toString());
  });

  it("cuts a page shorter when its JSON escaping would pass the budget", () => {
    const source = Buffer.alloc(64 * 1024, 0x01);
    const page = cutPage(source, false);
    expect(Buffer.byteLength(JSON.stringify(page.text))).toBeLessThanOrEqual(192 * 1024);
    expect(page.last).toBe(false);
    expect(page.length).toBeLessThan(source.length);
  });
});

describe("addedDiff", () => {
  it("shows every line added, from /dev/null", () => {
    expect(addedDiff("a b.txt", "one\ntwo\n")).toBe(
      "diff --git a/a b.txt b/a b.txt\n--- /dev/null\n+++ b/a b.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n",
    );
    expect(addedDiff("x", "only")).toBe(
      "diff --git a/x b/x\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+only\n\\ No newline at end of file\n",
    );
    expect(addedDiff("e", "")).toBe("diff --git a/e b/e\n--- /dev/null\n+++ b/e\n");
  });
});

describe("looksBinary", () => {
  it("takes a NUL byte as binary, as git does", () => {
    expect(looksBinary(Buffer.from("text\n"))).toBe(false);
    expect(looksBinary(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).toBe(true);
  });
});
