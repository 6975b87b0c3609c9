import { describe, nestedDeeper } from "../../shared/core/util/describe.ts";
import { Limits, type StoredMsg } from "../../shared/protocol/index.ts";
import type { RoomHandlers, SkipReason } from "./room-link.ts";
import type { StateDb } from "./state-db.ts";

/** Deliveries of one message that may die with the process before it is skipped. */
export const MAX_TRIES = 3;

export type GuardDeps = {
  room: string;
  db: Pick<StateDb, "beginTry">;
  log: { error(message: string, fields?: Record<string, unknown>): void };
  handlers: RoomHandlers;
  maxTries?: number;
};

/**
 * Hands one stored message to the room's handlers so that no message can stop the link: one too
 * deep to handle safely, one whose handler throws, and one that killed the process `maxTries`
 * times (the try is recorded durably before the handler runs) are skipped and reported through
 * `onSkipped`. The cursor then moves past it as after any other message.
 */
export function applyGuarded(d: GuardDeps, msg: StoredMsg): void {
  if (nestedDeeper(msg.body, Limits.bodyDepth)) return skip(d, msg, "too_deep");
  // The bridge's own messages are never acted on; they need no durable try.
  const tries = msg.role === "bridge" ? 1 : d.db.beginTry(d.room, msg.mid);
  if (tries > (d.maxTries ?? MAX_TRIES)) return skip(d, msg, "crashed", `after ${tries - 1} tries`);
  try {
    d.handlers.onMessage(msg);
  } catch (err) {
    skip(d, msg, "failed", errorText(err));
  }
}

function skip(d: GuardDeps, msg: StoredMsg, reason: SkipReason, detail = ""): void {
  d.log.error(`relay ${d.room}: skipped message ${msg.mid} (${reason}${detail ? `: ${detail}` : ""})`, {
    kind: msg.kind.slice(0, 64),
    role: msg.role,
    seq: msg.seq,
    body: describe(msg.body),
  });
  try {
    d.handlers.onSkipped?.(msg, reason);
  } catch (err) {
    d.log.error(`relay ${d.room}: could not report skipped message ${msg.mid}: ${errorText(err)}`);
  }
}

/** An error's message, clipped: it may quote what it failed on. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** What a phone is told about a message of its that was skipped. */
export function skippedText(reason: SkipReason): string {
  switch (reason) {
    case "too_deep":
      return `The bridge skipped this message: its body nests deeper than ${Limits.bodyDepth} levels.`;
    case "failed":
      return "The bridge failed while handling this message and skipped it.";
    case "crashed":
      return `The bridge skipped this message: handling it stopped the bridge ${MAX_TRIES} times.`;
  }
}
