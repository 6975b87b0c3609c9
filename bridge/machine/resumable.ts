import { existsSync } from "node:fs";
import { getSessionInfo, listSessions } from "@anthropic-ai/claude-agent-sdk";
import type { Resumable } from "../../shared/protocol/index.ts";
import { resolveUnderRoots } from "./roots.ts";

/**
 * Claude sessions on disk (the SDK reads the transcripts; nothing is spawned), newest first, only
 * those whose working directory lies under a root: the roots bound what a phone may see and resume.
 */
export async function listResumable(
  cwd: string | null,
  roots: readonly string[],
  limit = 50,
): Promise<Resumable[]> {
  // Read more than asked: the sessions outside the roots are dropped after.
  const found = await listSessions(cwd ? { dir: cwd, limit } : { limit: limit * 4 });
  const out: Resumable[] = [];
  for (const s of found) {
    if (out.length >= limit) break;
    const dir = s.cwd ?? cwd ?? "";
    if (!dir || !existsSync(dir)) continue;
    if ((await resolveUnderRoots(dir, roots)) === null) continue;
    out.push({
      claudeSessionId: s.sessionId,
      cwd: dir,
      title: s.customTitle ?? s.summary ?? s.firstPrompt ?? s.sessionId,
      updatedAt: s.lastModified,
      resumable: true,
    });
  }
  return out;
}

/** Whether a Claude session may be resumed: it exists and its working directory lies under a root. */
export async function mayResume(claudeSessionId: string, roots: readonly string[]): Promise<boolean> {
  const info = await getSessionInfo(claudeSessionId).catch(() => undefined);
  if (!info?.cwd) return false;
  return (await resolveUnderRoots(info.cwd, roots)) !== null;
}
