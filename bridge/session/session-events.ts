import type { ClaudeRun } from "../claude/claude-run.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import { clip, clipValue } from "./clip.ts";
import type { SessionRunner } from "./session-runner.ts";

const NO_CONVERSATION = "No conversation found with session ID";

/** Claude's output, as the room sees it. Events of a process that is no longer current are dropped. */
export function onRunEvent(s: SessionRunner, run: ClaudeRun, e: RunEvent): void {
  if (s.run !== run) return;
  s.lastActive = Date.now();
  switch (e.t) {
    case "init":
      return follow(s, e.sessionId);
    case "delta":
      return s.deltas.push(e.messageId, e.index, e.text);
    case "assistant": {
      s.deltas.done(e.id);
      const blocks = e.blocks.map((b) =>
        b.type === "tool_use" ? { ...b, ...inputOf(b.input) } : { ...b, ...clip(b.text) },
      );
      return void s.link.send("agent.message", { id: e.id, blocks });
    }
    case "tool_result": {
      const { text, truncated } = clip(e.content);
      return void s.link.send("tool.result", {
        toolUseId: e.toolUseId,
        isError: e.isError,
        content: text,
        ...(truncated ? { truncated } : {}),
      });
    }
    case "reset":
      s.clearing = true;
      return;
    case "result":
      if (!e.ok && e.error?.includes(NO_CONVERSATION)) {
        s.resumeFailed = true; // the process exits next; #onExit starts afresh with the same input
        return;
      }
      follow(s, e.sessionId);
      return s.endTurn({
        ok: e.ok,
        subtype: e.subtype,
        durationMs: e.durationMs,
        costUsd: e.costUsd,
        usage: e.usage,
        error: e.error,
      });
  }
}

/** The Claude session id comes only from init/result; a change after /clear is a transition. */
function follow(s: SessionRunner, sessionId: string): void {
  const current = s.record.claudeSessionId;
  if (!sessionId || sessionId === current) return;
  const now = Date.now();
  if (current && s.clearing) {
    s.deps.registry.transition(s.room, current, sessionId, "clear", now);
    s.link.send("session.transition", {
      reason: "clear",
      fromClaudeSessionId: current,
      toClaudeSessionId: sessionId,
      at: now,
    });
    s.record = { ...s.record, claudeSessionId: sessionId, transitionedFrom: current };
  } else s.record = { ...s.record, claudeSessionId: sessionId };
  s.save();
  s.publishInfo();
}

function inputOf(input: unknown): { input: unknown; truncated?: true } {
  const c = clipValue(input);
  return c.truncated ? { input: c.value, truncated: true } : { input: c.value };
}
