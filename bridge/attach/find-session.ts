import type { StoredMsg } from "../../shared/protocol/index.ts";
import { TolerantMachineSessions, type TolerantSessionSummary } from "../../shared/protocol/index.ts";

export type Listed = TolerantSessionSummary;

/** The machine room's latest session list (its newest `machine.sessions` that parses). */
export function latestSessions(msgs: readonly StoredMsg[]): Listed[] {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.kind !== "machine.sessions") continue;
    const parsed = TolerantMachineSessions.safeParse(m.body);
    if (parsed.success) return parsed.data.sessions;
  }
  return [];
}

/** `many`: several match (none is chosen); `none`: nothing matches. */
export type Found =
  | { ok: true; session: Listed }
  | { ok: false; kind: "none" | "many"; why: string; candidates: Listed[] };

/**
 * The session a person named: its room id, or a unique prefix of the room id or the Claude session
 * id, or a unique part of its title (case-insensitive). Several matches are named, none chosen.
 */
export function findSession(sessions: readonly Listed[], wanted: string): Found {
  const exact = sessions.find((s) => s.room === wanted || s.claudeSessionId === wanted);
  if (exact) return { ok: true, session: exact };
  const w = wanted.toLowerCase();
  const matches = sessions.filter(
    (s) =>
      s.room.toLowerCase().startsWith(w) ||
      (s.claudeSessionId ?? "").toLowerCase().startsWith(w) ||
      s.title.toLowerCase().includes(w),
  );
  const [one] = matches;
  if (matches.length === 1 && one) return { ok: true, session: one };
  if (matches.length === 0)
    return { ok: false, kind: "none", why: `no session matches "${wanted}"`, candidates: [...sessions] };
  return {
    ok: false,
    kind: "many",
    why: `${matches.length} sessions match "${wanted}"; name one by its room`,
    candidates: matches,
  };
}
