import { join } from "node:path";
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
