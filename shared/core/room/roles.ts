import type { Role } from "../../protocol/index.ts";

/** Which stored kinds and which signals each role may send (docs/protocol.md §2.5). */
const bridgeKinds = new Set([
  "session.info",
  "session.status",
  "session.transition",
  "session.notice",
  "permission.request",
  "permission.resolved",
  "machine.info",
  "machine.sessions",
  "machine.session_created",
  "machine.resumable",
  "machine.notice",
]);
const bridgePrefixes = ["agent.", "tool.", "turn."];

const controllerKinds = new Set([
  "user.message",
  "permission.response",
  "session.interrupt",
  "session.command",
  "machine.create_session",
  "machine.end_session",
  "machine.list_resumable",
]);

export function maySend(role: Role, kind: string): boolean {
  if (role === "bridge") return bridgeKinds.has(kind) || bridgePrefixes.some((p) => kind.startsWith(p));
  if (role === "controller") return controllerKinds.has(kind);
  return false;
}

export function maySignal(role: Role, kind: string): boolean {
  if (role === "bridge") return true;
  if (role === "controller") return kind === "typing";
  return false;
}
