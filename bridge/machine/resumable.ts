import { existsSync } from "node:fs";
import { listSessions } from "@anthropic-ai/claude-agent-sdk";
import type { Resumable } from "../../shared/protocol/index.ts";

/** Claude sessions on disk (the SDK reads the transcripts; nothing is spawned), newest first. */
export async function listResumable(cwd: string | null, limit = 50): Promise<Resumable[]> {
  const found = await listSessions(cwd ? { dir: cwd, limit } : { limit });
  return found.map((s) => {
    const dir = s.cwd ?? cwd ?? "";
    const r: Resumable = {
      claudeSessionId: s.sessionId,
      cwd: dir,
      title: s.customTitle ?? s.summary ?? s.firstPrompt ?? s.sessionId,
      updatedAt: s.lastModified,
      resumable: true,
    };
    if (!dir || !existsSync(dir))
      return { ...r, resumable: false, reason: "its working directory no longer exists" };
    return r;
  });
}
