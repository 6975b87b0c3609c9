import type { Role } from "../../protocol/ids.ts";
import { openToBridge, specOf } from "../../protocol/kinds.ts";

/**
 * Which stored kinds and which signals each role may send: the senders the kinds table declares
 * (shared/protocol/kinds.ts), plus the families and signals it leaves open to the bridge. Viewers
 * send nothing. The relay checks only this; bodies stay opaque to it.
 */
export function maySend(role: Role, kind: string): boolean {
  const spec = specOf(kind);
  if (spec?.direction === "stored" && spec.from.includes(role)) return true;
  return role === "bridge" && openToBridge.storedPrefixes.some((p) => kind.startsWith(p));
}

export function maySignal(role: Role, kind: string): boolean {
  const spec = specOf(kind);
  if (spec?.direction === "signal" && spec.from.includes(role)) return true;
  return role === "bridge" && openToBridge.anySignal;
}
