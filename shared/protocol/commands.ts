import { z } from "zod";
import { ModelName } from "./session.ts";

/**
 * What the session's Claude Code offers and how full its context is (docs/protocol.md §9.10): the
 * slash commands and models from the CLI's own lists, never a hard-coded one, and the context
 * window's fill after each turn. The bridge clips what the CLI says to these bounds.
 */

export const CatalogLimits = {
  commands: 300,
  commandName: 64,
  commandDescription: 300,
  argumentHint: 160,
  models: 50,
  modelName: 80,
  modelDescription: 200,
} as const;

/** `source`: Claude Code's own command, or one defined by the user, the project, a plugin or a skill. */
export const CommandSource = z.enum(["builtin", "custom"]);
export type CommandSource = z.infer<typeof CommandSource>;

/** A command name as typed after `/` (plugin commands carry a `plugin:` prefix). */
export const CommandName = z
  .string()
  .min(1)
  .max(CatalogLimits.commandName)
  .regex(/^[A-Za-z0-9][\w.:-]*$/);

export const CommandEntry = z.object({
  name: CommandName,
  description: z.string().max(CatalogLimits.commandDescription),
  argumentHint: z.string().max(CatalogLimits.argumentHint).optional(),
  source: CommandSource.optional(),
  /** Other names that run the same command (`/reset` for `/clear`). */
  aliases: z.array(CommandName).max(8).optional(),
});
export type CommandEntry = z.infer<typeof CommandEntry>;

export const ModelEntry = z.object({
  value: ModelName,
  displayName: z.string().max(CatalogLimits.modelName),
  description: z.string().max(CatalogLimits.modelDescription).optional(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/**
 * `session.commands`: published when a Claude process of the session has started and whenever the
 * CLI's lists change. The latest one is the truth.
 */
export const SessionCommands = z.object({
  commands: z.array(CommandEntry).max(CatalogLimits.commands),
  models: z.array(ModelEntry).max(CatalogLimits.models),
  at: z.number(),
});
export type SessionCommands = z.infer<typeof SessionCommands>;

/** One odd entry drops that entry, never the whole list. */
export const TolerantSessionCommands = z.object({
  commands: z.array(z.unknown()).transform((xs) => xs.flatMap(entryOf(CommandEntry))),
  models: z.array(z.unknown()).transform((xs) => xs.flatMap(entryOf(ModelEntry))),
  at: z.number().optional(),
});
export type TolerantSessionCommands = z.infer<typeof TolerantSessionCommands>;

/**
 * `session.context`: how full the context window is, after a turn (and when a process starts).
 * `percent` is Claude Code's own figure (0–100); `model` the model it counted for.
 */
export const SessionContext = z.object({
  usedTokens: z.number().int().nonnegative(),
  maxTokens: z.number().int().positive(),
  percent: z.number().min(0).max(100),
  model: z.string().max(256).optional(),
  /** Where Claude Code compacts by itself, when auto-compaction is on. */
  autoCompactTokens: z.number().int().positive().optional(),
  at: z.number(),
});
export type SessionContext = z.infer<typeof SessionContext>;

export const TolerantSessionContext = SessionContext.extend({
  percent: z.number(),
  model: z.string().optional().catch(undefined),
  autoCompactTokens: z.number().optional().catch(undefined),
  at: z.number().optional(),
});
export type TolerantSessionContext = z.infer<typeof TolerantSessionContext>;

/** `session.compacted`: Claude Code summarised the conversation (`/compact`, or by itself). */
export const SessionCompacted = z.object({
  trigger: z.enum(["manual", "auto"]),
  preTokens: z.number().int().nonnegative(),
  postTokens: z.number().int().nonnegative().optional(),
  at: z.number(),
});
export type SessionCompacted = z.infer<typeof SessionCompacted>;

export const TolerantSessionCompacted = SessionCompacted.extend({
  trigger: z.string(),
  postTokens: z.number().optional().catch(undefined),
});
export type TolerantSessionCompacted = z.infer<typeof TolerantSessionCompacted>;

function entryOf<T>(schema: z.ZodType<T>): (x: unknown) => T[] {
  return (x) => {
    const r = schema.safeParse(x);
    return r.success ? [r.data] : [];
  };
}

/** `set_permission_mode` of some shape: told apart so a refused mode gets `bad_permission_mode`, with why. */
export const SetPermissionModeCommand = z.object({ name: z.literal("set_permission_mode") });
