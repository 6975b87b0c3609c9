import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { Transcript } from "./transcript.ts";

let seq = 0;
function msg(kind: string, body: unknown, role: StoredMsg["role"] = "bridge"): StoredMsg {
  seq += 1;
  return { seq, mid: `m${String(seq).padStart(20, "0")}`, kind, body, role, cid: "c", ts: 0 };
}

function printed(): { t: Transcript; text: () => string } {
  let out = "";
  const t = new Transcript((s) => (out += s));
  return { t, text: () => out };
}

describe("Transcript", () => {
  it("prints each stored message once, in order, and a replayed seq not again", () => {
    const { t, text } = printed();
    const user = msg("user.message", { text: "hi" }, "controller");
    t.message(user);
    t.message(msg("agent.message", { id: "a", blocks: [{ type: "text", text: "hello\nthere" }] }));
    t.message(user);
    t.message(msg("turn.result", { inputMid: user.mid, ok: true, subtype: "success", durationMs: 1500 }));
    expect(text()).toBe("you › hi\nclaude › hello\nthere\n· done in 1.5 s\n");
  });

  it("streams deltas and prints only the rest when the message comes", () => {
    const { t, text } = printed();
    t.delta({ messageId: "a", index: 0, offset: 0, text: "Hel" });
    t.delta({ messageId: "a", index: 0, offset: 3, text: "lo" });
    t.delta({ messageId: "a", index: 0, offset: 99, text: "out of order" });
    t.message(msg("agent.message", { id: "a", blocks: [{ type: "text", text: "Hello world" }] }));
    t.line("after");
    expect(text()).toBe("claude › Hello world\nafter\n");
  });

  it("names a body that does not parse, strips control characters, and tracks prompts", () => {
    const { t, text } = printed();
    t.message(msg("agent.message", { id: 5 }));
    t.message(msg("user.message", { text: "\u001b]52;c;ZXZpbA==\u0007rm -rf" }, "controller"));
    t.message(
      msg("permission.request", {
        requestId: "r1",
        toolName: "Bash\u001b[2J",
        input: { command: "ls" },
        toolUseId: "u",
      }),
    );
    expect(t.prompts.first()?.requestId).toBe("r1");
    t.prompts.answered("r1");
    expect(t.prompts.first()).toBeNull();
    t.message(msg("permission.resolved", { requestId: "r1", decision: "deny", by: "terminal" }));
    expect(t.prompts.size).toBe(0);
    const out = text();
    expect(out).toContain("! a agent.message message (seq");
    expect(out).not.toContain("\u001b");
    expect(out).not.toContain("\u0007");
    expect(out).toContain("? Claude wants to use Bash[2J(ls)");
    expect(out).toContain("· denied in the terminal");
  });
});
