import { z } from "zod";

/**
 * Session-layer bodies (docs/protocol.md §9) as this app reads them. Bodies come from the room log, so
 * each is parsed where it is folded; a body that does not parse is skipped, never trusted.
 * Unknown fields are dropped (forward compatibility).
 */

const Level = z.enum(["info", "warn", "error"]).catch("info");

export const MachineInfo = z.object({
  machineId: z.string(),
  name: z.string(),
  hostname: z.string().optional(),
  platform: z.string().optional(),
  roots: z.array(z.string()),
  bridgeVersion: z.string().optional(),
  at: z.number().optional(),
});
export type MachineInfo = z.infer<typeof MachineInfo>;

export const ChainLink = z.object({
  claudeSessionId: z.string(),
  transitionedTo: z.string().nullable().optional(),
});

export const SessionSummary = z.object({
  room: z.string(),
  title: z.string(),
  cwd: z.string(),
  state: z.string(),
  claudeSessionId: z.string().nullable().optional(),
  transitionedFrom: z.string().nullable().optional(),
  chain: z.array(ChainLink).optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const MachineSessions = z.object({ sessions: z.array(SessionSummary) });
export const SessionCreated = z.object({ requestMid: z.string(), room: z.string() });

export const Resumable = z.object({
  claudeSessionId: z.string(),
  cwd: z.string(),
  title: z.string().nullable().optional(),
  updatedAt: z.number().nullable().optional(),
  resumable: z.boolean().optional(),
  reason: z.string().nullable().optional(),
});
export type Resumable = z.infer<typeof Resumable>;
export const MachineResumable = z.object({ requestMid: z.string(), sessions: z.array(Resumable) });

export const Notice = z.object({
  requestMid: z.string().optional(),
  inputMid: z.string().optional(),
  level: Level,
  code: z.string(),
  text: z.string(),
});
export type Notice = z.infer<typeof Notice>;

export const SessionInfo = z.object({
  title: z.string(),
  cwd: z.string(),
  machineId: z.string().optional(),
  model: z.string().nullable().optional(),
  permissionMode: z.string().optional(),
  claudeSessionId: z.string().nullable().optional(),
  transitionedFrom: z.string().nullable().optional(),
  createdAt: z.number().optional(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionStatus = z.object({
  state: z.string(),
  detail: z.string().nullable().optional(),
  at: z.number(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

export const UserMessage = z.object({ text: z.string() });

export const Block = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string(), truncated: z.boolean().optional() }),
  z.object({ type: z.literal("thinking"), text: z.string(), truncated: z.boolean().optional() }),
  z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }),
]);
export type Block = z.infer<typeof Block>;

/** Blocks of unknown types are dropped one by one instead of losing the whole message. */
export const AgentMessage = z.object({
  id: z.string(),
  blocks: z.array(z.unknown()).transform((bs) =>
    bs.flatMap((b) => {
      const r = Block.safeParse(b);
      return r.success ? [r.data] : [];
    }),
  ),
});

export const ToolResult = z.object({
  toolUseId: z.string(),
  isError: z.boolean(),
  content: z.string(),
  truncated: z.boolean().optional(),
});
export type ToolResult = z.infer<typeof ToolResult>;

export const PermissionRequest = z.object({
  requestId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  toolUseId: z.string().optional(),
  title: z.string().optional(),
  suggestions: z.unknown().optional(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

export const PermissionResolved = z.object({
  requestId: z.string(),
  decision: z.enum(["allow", "deny"]),
  by: z.string(),
  reason: z.string().optional(),
});
export type PermissionResolved = z.infer<typeof PermissionResolved>;

export const PermissionResponse = z.object({
  requestId: z.string(),
  decision: z.enum(["allow", "deny"]),
  remember: z.boolean().optional(),
  message: z.string().optional(),
});

/** `text`: the bridge names the first prompt (given with machine.create_session, so no user.message here). */
export const TurnStarted = z.object({ inputMid: z.string(), text: z.string().optional() });
export const TurnResult = z.object({
  inputMid: z.string().nullable(),
  ok: z.boolean(),
  subtype: z.string(),
  durationMs: z.number(),
  costUsd: z.number().optional(),
  error: z.string().optional(),
});
export type TurnResult = z.infer<typeof TurnResult>;

export const Transition = z.object({
  reason: z.string(),
  fromClaudeSessionId: z.string(),
  toClaudeSessionId: z.string(),
  at: z.number(),
});

export const AgentDelta = z.object({
  messageId: z.string(),
  index: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  text: z.string(),
});
export type AgentDelta = z.infer<typeof AgentDelta>;

/** Parsed bodies by body object: the log's bodies never change, and the folds re-read them often. */
const parsed = new WeakMap<object, Map<z.ZodType, unknown>>();

/** Parses a body or returns null (the caller skips it). Callers must not mutate the result. */
export function read<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> | null {
  if (typeof body !== "object" || body === null) return parse(schema, body);
  let bySchema = parsed.get(body);
  if (!bySchema) {
    bySchema = new Map();
    parsed.set(body, bySchema);
  }
  if (bySchema.has(schema)) return bySchema.get(schema) as z.infer<S> | null;
  const value = parse(schema, body);
  bySchema.set(schema, value);
  return value;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> | null {
  const r = schema.safeParse(body);
  return r.success ? r.data : null;
}
