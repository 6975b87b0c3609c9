import { z } from "zod";
import { CreateShareReq, CreateShareRes, SessionGrant } from "../../shared/protocol/index.ts";

/**
 * The local control API between a running bridge and the `tether` commands (127.0.0.1 only).
 * Both sides parse with these schemas. Errors are `{error:{code,message}}` as on the relay.
 */

/** `<stateDir>/control.json` (0600): where the running bridge listens and its per-start secret. */
export const ControlFile = z.object({
  pid: z.number().int(),
  port: z.number().int().min(1).max(65535),
  secret: z.string().min(32),
  startedAt: z.number(),
});
export type ControlFile = z.infer<typeof ControlFile>;

export const SessionStatus = z.object({
  room: z.string(),
  title: z.string(),
  cwd: z.string(),
  state: z.string(),
  live: z.boolean(),
  claudeSessionId: z.string().nullable(),
  updatedAt: z.number(),
  /** "Allow for this session" grants in force (docs/protocol.md §9.6). */
  grants: z.array(SessionGrant).optional(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

/** The live-memory budget (`--max-live-memory`): bytes; null budget = not measurable here (count cap only). */
export const MemoryStatus = z.object({
  budget: z.number().nullable(),
  /** The live Claude processes' (and their children's) total resident bytes at the last measurement. */
  liveRss: z.number().nullable(),
  measuredAt: z.number().nullable(),
  /**
   * The last sessions put to sleep for memory, newest last: their tree's bytes, the total and budget
   * then; `starting`: slept before another's process started, whose estimated bytes `total` includes.
   */
  slept: z.array(
    z.object({
      room: z.string(),
      rss: z.number(),
      total: z.number(),
      budget: z.number(),
      at: z.number(),
      starting: z.number().optional(),
    }),
  ),
});
export type MemoryStatus = z.infer<typeof MemoryStatus>;

/** The live-process cap (`--max-live`) and the last sessions put to sleep for it, newest last. */
export const CapStatus = z.object({
  maxLive: z.number(),
  slept: z.array(z.object({ room: z.string(), at: z.number() })),
});
export type CapStatus = z.infer<typeof CapStatus>;
const Counts = z.record(z.string(), z.number());

/** `GET /v1/counters` and `counters` of the status: what the bridge did, in numbers (docs/events.md). */
export const CountersRes = z.object({
  /** The state dir's first bridge start (epoch ms): "since install" begins there. */
  installedAt: z.number(),
  sinceInstall: Counts,
  /** Since this bridge process started. */
  sinceStart: Counts,
  /** Read when asked, not counted. */
  now: z.object({
    sessionsLive: z.number(),
    sessionsSleeping: z.number(),
    sessionsRegistered: z.number(),
    outboxQueued: z.number(),
    /** How long the oldest message queued for the relay has waited; null when none waits. */
    outboxOldestAgeMs: z.number().nullable(),
    /** How long every relay link has been down now (0 when up). */
    relayOutageMs: z.number(),
    /** The live Claude processes' total RSS; null while the bridge does not measure it. */
    liveClaudeRssBytes: z.number().nullable(),
    /** What they may hold together (`--max-live-memory`); null where memory is not measured. */
    liveClaudeBudgetBytes: z.number().nullable(),
  }),
});
export type CountersRes = z.infer<typeof CountersRes>;

export const StatusRes = z.object({
  pid: z.number(),
  startedAt: z.number(),
  machineId: z.string(),
  name: z.string(),
  relayUrl: z.string(),
  /** `tether up`: the relay runs inside this process. */
  embedded: z.boolean(),
  relay: z.object({ state: z.enum(["idle", "online", "partial", "offline"]), epoch: z.number().nullable() }),
  rooms: z.array(
    z.object({
      room: z.string(),
      state: z.enum(["connecting", "open", "caught_up", "offline"]),
      outboxDepth: z.number(),
    }),
  ),
  sessions: z.array(SessionStatus),
  /** The relay's last push error and last push outcome for this machine; null until it answered. */
  pushes: z.object({ lastError: z.string().nullable(), lastAt: z.number().nullable() }).nullable().optional(),
  /** Absent from a bridge older than the memory budget. */
  memory: MemoryStatus.optional(),
  /** Absent from a bridge older than the cap's list. */
  cap: CapStatus.optional(),
  /** Absent from a bridge older than the counters. */
  counters: CountersRes.optional(),
});
export type StatusRes = z.infer<typeof StatusRes>;

export const SessionsRes = z.object({ sessions: z.array(SessionStatus) });
export type SessionsRes = z.infer<typeof SessionsRes>;

/** `POST /v1/grants/revoke`: withdraws one session grant, as `session.command revoke_grant` does. */
export const RevokeGrantReq = z.object({ room: z.string().min(1), rule: z.string().min(1).max(4096) });
export type RevokeGrantReq = z.infer<typeof RevokeGrantReq>;
export const RevokeGrantRes = z.object({ revoked: z.literal(true) });

export const ShareReq = CreateShareReq;
export type ShareReq = z.infer<typeof ShareReq>;
export const ShareRes = CreateShareRes;
export type ShareRes = z.infer<typeof ShareRes>;

export const ControlError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** `POST /v1/keys/reconcile` (after `tether revoke`): the key recipients removed (docs/protocol.md §12.7). */
export const ReconcileRes = z.object({ removed: z.array(z.string()) });
