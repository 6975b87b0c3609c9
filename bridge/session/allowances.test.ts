import { describe, expect, it } from "vitest";
import { grantOf, labelOfRule, ruleCovers } from "./allowances.ts";

const bash = (command: string) => ({ command, description: "x" });

describe("grantOf", () => {
  it("takes the CLI's allow rules, never a mode switch or a working folder", () => {
    const g = grantOf("Bash", bash("mkdir -p /p/d1"), [
      { type: "addRules", rules: [{ toolName: "Bash", ruleContent: "mkdir:*" }], behavior: "allow" },
      { type: "addDirectories", directories: ["/srv/data"], destination: "session" },
      { type: "setMode", mode: "acceptEdits", destination: "session" },
    ]);
    expect(g).toEqual({ rules: ["Bash(mkdir:*)"], label: 'Bash commands starting with "mkdir"' });
  });

  it("without a usable rule grants exactly this call, and nothing for a tool it cannot bound", () => {
    const modeOnly = [{ type: "setMode", mode: "acceptEdits", destination: "session" }];
    expect(grantOf("Write", { file_path: "/p/a.txt", content: "a" }, modeOnly)).toEqual({
      rules: ["Write(//p/a.txt)"],
      label: "Write on /p/a.txt",
    });
    expect(grantOf("Bash", bash("mkdir -p /p/d1"), [])?.rules).toEqual(["Bash(mkdir -p /p/d1)"]);
    // Deny rules, bare tools, removals and unreadable suggestions carry nothing.
    const junk = [
      { type: "addRules", rules: [{ toolName: "Bash" }], behavior: "allow" },
      { type: "addRules", rules: [{ toolName: "Bash", ruleContent: "rm:*" }], behavior: "deny" },
      { type: "removeRules", rules: [{ toolName: "Bash", ruleContent: "ls:*" }], behavior: "allow" },
      { type: "addRules", rules: [{ toolName: "Bash", ruleContent: "ls;rm:*" }], behavior: "allow" },
      null,
      "Bash",
    ];
    expect(grantOf("Bash", bash("ls"), junk)?.rules).toEqual(["Bash(ls)"]);
    expect(grantOf("mcp__x__y", { a: 1 }, [])).toBeNull();
    expect(grantOf("Write", { file_path: "/p/../etc/passwd" }, [])).toBeNull();
  });
});

describe("ruleCovers", () => {
  it("a prefix rule covers the command and its arguments, never a chained command", () => {
    expect(ruleCovers("Bash(mkdir:*)", "Bash", bash("mkdir -p /p/d2"))).toBe(true);
    expect(ruleCovers("Bash(mkdir:*)", "Bash", bash("mkdir"))).toBe(true);
    expect(ruleCovers("Bash(mkdir:*)", "Bash", bash("mkdirx /p"))).toBe(false);
    for (const cmd of [
      "mkdir a && rm -rf /",
      "mkdir a; rm x",
      "mkdir $(rm x)",
      "mkdir a | sh",
      "mkdir a\nrm x",
    ])
      expect(ruleCovers("Bash(mkdir:*)", "Bash", bash(cmd))).toBe(false);
    expect(ruleCovers("Bash(mkdir:*)", "Write", { command: "mkdir a" })).toBe(false);
  });

  it("exact, file, folder and domain rules cover only what they name", () => {
    expect(ruleCovers("Bash(ls -la)", "Bash", bash("ls -la"))).toBe(true);
    expect(ruleCovers("Bash(ls -la)", "Bash", bash("ls -la /"))).toBe(false);
    expect(ruleCovers("Write(//p/a.txt)", "Write", { file_path: "/p/a.txt" })).toBe(true);
    expect(ruleCovers("Write(//p/a.txt)", "Write", { file_path: "/p/b.txt" })).toBe(false);
    expect(ruleCovers("Write(//p/a.txt)", "Edit", { file_path: "/p/a.txt" })).toBe(false);
    expect(ruleCovers("Read(//srv/**)", "Read", { file_path: "/srv/x/y" })).toBe(true);
    expect(ruleCovers("Read(//srv/**)", "Read", { file_path: "/srv/../etc/passwd" })).toBe(false);
    expect(ruleCovers("Read(//srv/**)", "Read", { file_path: "/srvx/y" })).toBe(false);
    expect(ruleCovers("WebFetch(domain:a.dev)", "WebFetch", { url: "https://a.dev/x" })).toBe(true);
    expect(ruleCovers("WebFetch(domain:a.dev)", "WebFetch", { url: "https://a.dev.evil/x" })).toBe(false);
    // A bare tool name (kept by older versions) still covers the tool; a bare Bash covers nothing.
    expect(ruleCovers("Write", "Write", { file_path: "/x" })).toBe(true);
    expect(ruleCovers("Bash", "Bash", bash("ls"))).toBe(false);
    expect(labelOfRule("Glob(whatever)")).toBeNull();
  });
});
