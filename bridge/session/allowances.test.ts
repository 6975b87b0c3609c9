import { describe, expect, it } from "vitest";
import { allowanceOf } from "./allowances.ts";

describe("allowanceOf", () => {
  it("carries allow rules, directories and a mode the phone may choose", () => {
    const g = allowanceOf("Bash", [
      {
        type: "addRules",
        rules: [{ toolName: "Bash", ruleContent: "npm test:*" }],
        behavior: "allow",
        destination: "localSettings",
      },
      { type: "replaceRules", rules: [{ toolName: "Read" }], behavior: "allow", destination: "session" },
      { type: "addDirectories", directories: ["/srv/data"], destination: "session" },
      { type: "setMode", mode: "acceptEdits", destination: "session" },
    ]);
    expect(g).toEqual({
      mode: "acceptEdits",
      tools: ["Bash(npm test:*)", "Read"],
      directories: ["/srv/data"],
    });
  });

  it("leaves out deny rules, removals, other modes and unreadable suggestions; else grants the tool", () => {
    const g = allowanceOf("Write", [
      { type: "addRules", rules: [{ toolName: "Write" }], behavior: "deny", destination: "session" },
      { type: "removeRules", rules: [{ toolName: "Write" }], behavior: "allow", destination: "session" },
      { type: "setMode", mode: "bypassPermissions", destination: "session" },
      { type: "addRules", rules: [{ toolName: "" }], behavior: "allow" },
      "Write",
      null,
    ]);
    expect(g).toEqual({ mode: null, tools: ["Write"], directories: [] });
    expect(allowanceOf("Edit", [])).toEqual({ mode: null, tools: ["Edit"], directories: [] });
  });
});
