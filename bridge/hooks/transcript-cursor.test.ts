import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kinds } from "../../shared/protocol/index.ts";
import { mirrorLine, readLines } from "./transcript-cursor.ts";

const dir = mkdtempSync(join(tmpdir(), "tether-transcript-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines as Claude Code 2.1.330 writes them (trimmed), with entries that are not conversation. */
const PROMPT = { type: "user", uuid: "u-1", message: { role: "user", content: "write the file" } };
const TOOL_USE = {
  type: "assistant",
  uuid: "a-1",
  message: {
    id: "msg_1",
    content: [{ type: "tool_use", id: "toolu_1", name: "Write", input: { file_path: "/x" } }],
  },
};
const RESULT = {
  type: "user",
  uuid: "u-2",
  message: { content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "refused", is_error: true }] },
};
const TEXT = {
  type: "assistant",
  uuid: "a-2",
  message: { id: "msg_2", content: [{ type: "text", text: "done" }] },
};
const OTHER = [
  { type: "attachment", uuid: "x" },
  { type: "last-prompt" },
  { type: "user", uuid: "m", isMeta: true, message: { content: "meta" } },
];

describe("transcript mirror", () => {
  it("reads whole lines from the cursor on and leaves a half-written line for the next read", () => {
    const file = join(dir, "a.jsonl");
    writeFileSync(file, `${JSON.stringify(PROMPT)}\n${JSON.stringify(TOOL_USE)}\n{"type":"user","uu`);
    const first = readLines(file, 0);
    expect(first.lines.map((l) => JSON.parse(l).uuid)).toEqual(["u-1", "a-1"]);
    appendFileSync(file, `id":"u-2"}\n`);
    const second = readLines(file, first.next);
    expect(second.lines).toEqual(['{"type":"user","uuid":"u-2"}']);
    // A restart resumes from the saved cursor: nothing again, nothing skipped.
    expect(readLines(file, second.next)).toEqual({ lines: [], next: second.next });
  });

  it("skips a line longer than the read budget once it is complete", () => {
    const file = join(dir, "b.jsonl");
    writeFileSync(file, "x".repeat(100));
    expect(readLines(file, 0, 16)).toEqual({ lines: [], next: 0 });
    appendFileSync(file, `\n${JSON.stringify(TEXT)}\n`);
    const skipped = readLines(file, 0, 16);
    expect(skipped.next).toBe(101);
    expect(readLines(file, skipped.next).lines.map((l) => JSON.parse(l).uuid)).toEqual(["a-2"]);
  });

  it("turns conversation entries into valid room messages with mids derived from the entry", () => {
    const out = [PROMPT, TOOL_USE, RESULT, TEXT, ...OTHER].flatMap((e) => mirrorLine(JSON.stringify(e)));
    expect(out.map((m) => m.kind)).toEqual(["turn.started", "agent.message", "tool.result", "agent.message"]);
    for (const m of out) expect(kinds[m.kind].body.safeParse(m.body).success).toBe(true);
    expect(out[2]?.body).toEqual({ toolUseId: "toolu_1", isError: true, content: "refused" });
    expect(out.map((m) => m.mid)).toEqual(
      [PROMPT, TOOL_USE, RESULT, TEXT].flatMap((e) => mirrorLine(JSON.stringify(e)).map((m) => m.mid)),
    );
    expect(new Set(out.map((m) => m.mid)).size).toBe(4);
    for (const m of out) expect(m.mid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });

  it("hostile lines give nothing and never throw", () => {
    for (const line of [
      "",
      "nul\u0000l",
      "[]",
      "null",
      '{"type":"assistant","uuid":"a","message":{"content":[{"type":"tool_use"}]}}',
      '{"type":"user"}',
    ])
      expect(mirrorLine(line)).toEqual([]);
  });
});
