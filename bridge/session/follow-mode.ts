import { PermissionMode } from "../../shared/protocol/index.ts";
import type { SessionRoom } from "./session-room.ts";

/**
 * The session's recorded mode follows the CLI's own word (its system/status `permissionMode`): a
 * mode command, a plan approved into a mode, Claude Code leaving plan mode by itself. The record
 * is what the next process starts with and what every phone shows. A mode Tether does not offer
 * (e.g. one set in the user's settings) is left out: "unknown", for the caller to log.
 */
export function followMode(
  out: Pick<SessionRoom, "record" | "update">,
  mode: string,
): "followed" | "same" | "unknown" {
  const m = PermissionMode.safeParse(mode);
  if (!m.success) return "unknown";
  if (out.record.permissionMode === m.data) return "same";
  out.update({ permissionMode: m.data });
  return "followed";
}
