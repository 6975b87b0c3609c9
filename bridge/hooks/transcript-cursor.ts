import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { z } from "zod";
import type { BodyOf } from "../../shared/protocol/index.ts";
import { clip } from "../session/clip.ts";

/**
 * Mirroring a terminal session's transcript (`transcript_path`, JSONL) into its room: read from a
 * byte offset, only whole lines, and turn each conversation entry into the room's kinds. The offset
 * is the cursor the bridge keeps durably; the mids are derived from the entry's uuid, so a line
 * sent twice (a crash between the send and the cursor write) is stored once by the relay.
 */

export type Chunk = { lines: string[]; next: number };

/** Whole lines from `offset`, at most about `maxBytes`; a line still being written is left for later. */
export function readLines(path: string, offset: number, maxBytes = 1 << 20): Chunk {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, offset);
    const end = buf.subarray(0, n).lastIndexOf(0x0a);
    if (end >= 0) return { lines: buf.subarray(0, end).toString("utf8").split("\n"), next: offset + end + 1 };
    // One line longer than maxBytes: skipped whole once it is complete, rather than stall the mirror.
    return { lines: [], next: n === maxBytes ? (afterNextNewline(fd, offset + n) ?? offset) : offset };
  } finally {
    closeSync(fd);
  }
}

function afterNextNewline(fd: number, from: number): number | null {
  const buf = Buffer.alloc(64 << 10);
  for (let at = from; ; ) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) return null;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return at + nl + 1;
    at += n;
  }
}

const Block = z.object({ type: z.string() }).passthrough();
const Entry = z.object({
  type: z.enum(["user", "assistant"]),
  uuid: z.string().min(1).max(128),
  isMeta: z.boolean().optional(),
  isSidechain: z.boolean().optional(),
  message: z.object({
    id: z.string().max(256).optional(),
    content: z.union([z.string(), z.array(Block).max(256)]),
  }),
});

export type Mirrored =
  | { kind: "turn.started"; body: BodyOf<"turn.started">; mid: string }
  | { kind: "agent.message"; body: BodyOf<"agent.message">; mid: string }
  | { kind: "tool.result"; body: BodyOf<"tool.result">; mid: string };

const LIMIT = 64 << 10;

/** The room messages for one transcript line; none for lines that are not conversation. */
export function mirrorLine(line: string): Mirrored[] {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return [];
  }
  const e = Entry.safeParse(json);
  if (!e.success || e.data.isMeta || e.data.isSidechain) return [];
  const { type, uuid, message } = e.data;
  if (type === "user" && typeof message.content === "string") {
    const mid = lineMid("tp", uuid);
    return [{ kind: "turn.started", body: { inputMid: mid, text: clip(message.content, LIMIT).text }, mid }];
  }
  if (typeof message.content === "string") return [];
  if (type === "user") return message.content.flatMap((b, i) => toolResult(b, lineMid(`tr${i}`, uuid)));
  const blocks = message.content.flatMap(agentBlock);
  if (blocks.length === 0) return [];
  return [{ kind: "agent.message", body: { id: message.id ?? uuid, blocks }, mid: lineMid("am", uuid) }];
}

function agentBlock(b: z.infer<typeof Block>): BodyOf<"agent.message">["blocks"] {
  if (b.type === "text" && typeof b.text === "string")
    return [{ type: "text", text: clip(b.text, LIMIT).text }];
  if (b.type === "thinking" && typeof b.thinking === "string")
    return [{ type: "thinking", text: clip(b.thinking, LIMIT).text }];
  if (b.type === "tool_use" && typeof b.id === "string" && typeof b.name === "string")
    return [{ type: "tool_use", id: b.id, name: b.name, input: b.input ?? {} }];
  return [];
}

function toolResult(b: z.infer<typeof Block>, mid: string): Mirrored[] {
  if (b.type !== "tool_result" || typeof b.tool_use_id !== "string") return [];
  const content = typeof b.content === "string" ? b.content : JSON.stringify(b.content ?? "");
  const body = { toolUseId: b.tool_use_id, isError: b.is_error === true, content: clip(content, LIMIT).text };
  return [{ kind: "tool.result", body, mid }];
}

/** A mid from the transcript entry's own uuid: the same line always gets the same mid. */
function lineMid(tag: string, uuid: string): string {
  return `tx_${createHash("sha256").update(`${tag} ${uuid}`).digest("base64url").slice(0, 24)}`;
}
