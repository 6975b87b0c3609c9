import { z } from "zod";

/**
 * Machine room, bridge: what the bridge did, in numbers (docs/protocol.md §9.12, docs/events.md):
 * its counters since install and since the bridge started, what is so now, and each session's own
 * tally, for the phone's machine health sheet and a session's history line.
 */

/** Counter name (e.g. `sessionsResumed`, `turnsFailed.interrupted`) → count; names may be added. */
const Counts = z.record(z.string().max(80), z.number().int().nonnegative());

export const HealthNow = z.object({
  sessionsLive: z.number().int().nonnegative(),
  sessionsSleeping: z.number().int().nonnegative(),
  sessionsRegistered: z.number().int().nonnegative(),
  outboxQueued: z.number().int().nonnegative(),
  outboxOldestAgeMs: z.number().nonnegative().nullable(),
  /** The live Claude processes' total RSS; null while the bridge does not measure it. */
  liveClaudeRssBytes: z.number().nonnegative().nullable(),
  /** What they may hold together (`--max-live-memory`); null where the bridge does not measure. */
  liveClaudeBudgetBytes: z.number().nonnegative().nullable().optional(),
});
export type HealthNow = z.infer<typeof HealthNow>;

/** One session's tally since install; `fallbackReasons`: why resuming failed, each once. */
export const SessionTally = z.object({
  room: z.string().max(128),
  counts: Counts,
  fallbackReasons: z.array(z.string().max(200)).max(8),
});
export type SessionTally = z.infer<typeof SessionTally>;

export const MachineHealth = z.object({
  /** The state dir's first bridge start: "since install" begins there. */
  installedAt: z.number(),
  /** This bridge process's start. */
  startedAt: z.number(),
  sinceInstall: Counts,
  sinceStart: Counts,
  now: HealthNow,
  /** The sessions not ended, at most 200. */
  sessions: z.array(SessionTally).max(200),
  at: z.number(),
});
export type MachineHealth = z.infer<typeof MachineHealth>;

export const TolerantMachineHealth = MachineHealth.extend({
  now: HealthNow.partial(),
  sessions: z.array(SessionTally.extend({ fallbackReasons: z.array(z.string()).optional() })).optional(),
});
export type TolerantMachineHealth = z.infer<typeof TolerantMachineHealth>;
