import { type StoredMsg, UserMessage } from "../../shared/protocol/index.ts";
import { keptFiles, namesAttachments } from "./attachments.ts";
import type { Registry } from "./registry.ts";
import type { SessionCatalog } from "./session-catalog.ts";
import type { SessionRoom } from "./session-room.ts";
import { derivedMid } from "./turn-mids.ts";

/** What taking in a user.message needs of its session (SessionRunner). */
export type IntakeTarget = {
  readonly room: string;
  readonly deps: { registry: Registry; maxQueued: number };
  readonly out: Pick<SessionRoom, "notice" | "record">;
  readonly catalog: Pick<SessionCatalog, "input">;
  /** An input was recorded: the session runs it when it gets to it. */
  kick(): void;
};

/**
 * A controller's user.message: recorded as an input when it can run, else its sender is told why
 * with a notice naming it (empty, session ended, queue full, files that cannot go to Claude).
 */
export function handleUserMessage(s: IntakeTarget, msg: StoredMsg): void {
  const body = UserMessage.safeParse(msg.body).data;
  if (!body && namesAttachments(msg.body))
    return filesFailed(s, msg.mid, "Not sent to Claude: its list of attachments is not valid.");
  const text = body?.text;
  const files = body?.attachments ?? [];
  if (text === undefined || (text.trim().length === 0 && files.length === 0)) {
    return s.out.notice("warn", "empty_message", "An empty message was not sent to Claude.", msg.mid);
  }
  if (s.out.record.state === "ended")
    return s.out.notice("warn", "session_ended", "This session has ended; start a new one.", msg.mid);
  if (queueFull(s, msg.mid)) return tooMany(s, msg.mid);
  if (files.length > 0 && !s.deps.registry.hasInput(msg.mid)) {
    const checked = keptFiles(s.deps.registry, s.room, files);
    if (!checked.ok) return filesFailed(s, msg.mid, checked.text);
  }
  if (s.deps.registry.addInput(s.room, msg.mid, text, "message", files)) {
    s.catalog.input(msg.mid, text);
    s.kick();
  }
}

/** A replayed message that is already recorded is never refused. */
function queueFull(s: IntakeTarget, mid: string): boolean {
  const r = s.deps.registry;
  return !r.hasInput(mid) && r.inputs(s.room, "pending").length >= s.deps.maxQueued;
}

function tooMany(s: IntakeTarget, mid: string): void {
  const text = `Not sent to Claude: ${s.deps.maxQueued} messages are already waiting in this session.`;
  s.out.notice("warn", "too_many_inputs", text, mid, derivedMid("nt", mid));
}

/** A message whose files cannot go to Claude: its sender is told, naming the file; it never runs. */
function filesFailed(s: IntakeTarget, mid: string, text: string): void {
  s.out.notice("warn", "attachment_failed", text, mid, derivedMid("nt", mid));
}
