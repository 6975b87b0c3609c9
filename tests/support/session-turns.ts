import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { BodyOf } from "../../shared/protocol/index.ts";
import type { BridgeWorld, Phone } from "./bridge-world.ts";

/** Claude Code's transcript path for a session (realpath'd cwd, non-alphanumerics → "-"). */
export function transcript(world: BridgeWorld, id: string): string {
  return join(world.claudeConfig, "projects", world.project.replace(/[^a-zA-Z0-9]/g, "-"), `${id}.jsonl`);
}

/** Sends a message and waits for its turn.result. */
export async function turn(s: Phone, text: string): Promise<BodyOf<"turn.result">> {
  const mid = await s.send("user.message", { text });
  return s.wait("turn.result", (t) => t.inputMid === mid, 60_000);
}

/** The pid of the Claude process the bridge runs for `room` (its registry, read beside it). */
export function runnerPid(stateDir: string, room: string): number {
  const db = new DatabaseSync(join(stateDir, "sessions.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT pid FROM processes WHERE room = ?").get(room);
    if (!row) throw new Error(`no process recorded for ${room}`);
    return Number(row.pid);
  } finally {
    db.close();
  }
}
