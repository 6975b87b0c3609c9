import { createHash } from "node:crypto";

/**
 * Mids derived from the input they answer. The bridge records an input's progress in its registry
 * and queues the message in its outbox, two databases: a crash between the two writes makes it
 * send the message again, and a derived mid makes the relay store it once.
 */
export function derivedMid(
  tag: "ts" | "tr" | "nt" | "rf" | "sk" | "pr" | "uc" | "qt" | "ds" | "ch" | "nd",
  inputMid: string,
): string {
  return `${tag}_${createHash("sha256").update(inputMid).digest("base64url").slice(0, 24)}`;
}
