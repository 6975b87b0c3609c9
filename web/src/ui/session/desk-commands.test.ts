import { describe, expect, it } from "vitest";
import { shellWord } from "./desk-commands.tsx";

describe("shellWord", () => {
  it("leaves a plain path as it is and quotes anything else as one word", () => {
    expect(shellWord("/home/ann/code/tether")).toBe("/home/ann/code/tether");
    expect(shellWord("/home/ann/my project")).toBe("'/home/ann/my project'");
    expect(shellWord("/tmp/it's; rm -rf ~")).toBe(`'/tmp/it'\\''s; rm -rf ~'`);
  });
});
