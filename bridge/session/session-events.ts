import type { RunEvent } from "../claude/map-sdk.ts";
import type { RoomLink } from "../link/room-link.ts";
import { clip, clipValue } from "./clip.ts";
import type { Deltas } from "./deltas.ts";
import type { MachineEvent } from "./session-types.ts";

/**
 * The turn lifecycle part of Claude's events, for the session machine; null for output, and for
 * the result of a turn Claude Code started by itself (no input of the session's is answered by it).
 */
export function machineEventOf(proc: number, e: RunEvent): MachineEvent | null {
  switch (e.t) {
    case "init":
      return { t: "init", proc, sessionId: e.sessionId };
    case "reset":
      return { t: "reset", proc };
    case "result": {
      if (e.byCli) return null;
      const { ok, subtype, durationMs, costUsd, usage, error } = e;
      return {
        t: "result",
        proc,
        sessionId: e.sessionId,
        outcome: { ok, subtype, durationMs, costUsd, usage, error },
      };
    }
    default:
      return null;
  }
}

export type Output = Extract<RunEvent, { t: "delta" | "assistant" | "tool_result" }>;

/** Claude's output, as the room sees it. */
export function forwardOutput(link: RoomLink, deltas: Deltas, e: Output): void {
  switch (e.t) {
    case "delta":
      return deltas.push(e.messageId, e.index, e.text);
    case "assistant": {
      deltas.done(e.id);
      const blocks = e.blocks.map((b) =>
        b.type === "tool_use" ? { ...b, ...inputOf(b.input) } : { ...b, ...clip(b.text) },
      );
      return void link.send("agent.message", { id: e.id, blocks, ...parentOf(e) });
    }
    case "tool_result": {
      const { text, truncated } = clip(e.content);
      return void link.send("tool.result", {
        toolUseId: e.toolUseId,
        isError: e.isError,
        content: text,
        ...(truncated ? { truncated } : {}),
        ...parentOf(e),
      });
    }
  }
}

/** A subagent's output names its Task call; the main conversation's carries no field (older bodies). */
function parentOf(e: { parent?: string | null }): { parentToolUseId?: string } {
  return e.parent ? { parentToolUseId: e.parent.slice(0, 128) } : {};
}

function inputOf(input: unknown): { input: unknown; truncated?: true } {
  const c = clipValue(input);
  return c.truncated ? { input: c.value, truncated: true } : { input: c.value };
}
