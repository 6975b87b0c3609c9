import { describe, expect, it } from "vitest";
import { languageOf, MAX_HIGHLIGHT_BYTES } from "./file-language.ts";

describe("languageOf", () => {
  it("names the language from the extension, in any case, under any folder", () => {
    expect(languageOf("src/app.ts", 10)).toBe("typescript");
    expect(languageOf("web/App.TSX", 10)).toBe("typescript");
    expect(languageOf("tool.py", 10)).toBe("python");
    expect(languageOf("a.b/page.html", 10)).toBe("xml");
    expect(languageOf("fix.patch", 10)).toBe("diff");
  });

  it("leaves unknown extensions, dotfiles, names without one and Object's own keys as plain text", () => {
    expect(languageOf("notes.xyz", 10)).toBeNull();
    expect(languageOf("style.css", 10)).toBeNull();
    expect(languageOf(".bashrc", 10)).toBeNull();
    expect(languageOf("dir.ts/Makefile", 10)).toBeNull();
    expect(languageOf("x.constructor", 10)).toBeNull();
    expect(languageOf("x.__proto__", 10)).toBeNull();
  });

  it("leaves a file over the limit as plain text", () => {
    expect(languageOf("big.ts", MAX_HIGHLIGHT_BYTES)).toBe("typescript");
    expect(languageOf("big.ts", MAX_HIGHLIGHT_BYTES + 1)).toBeNull();
  });
});
