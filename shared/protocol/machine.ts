import { z } from "zod";
import { PermissionMode, SessionState } from "./session.ts";
import { plainText } from "./text.ts";

/**
 * Machine room bodies (docs/protocol.md §9): what the workstation offers, and the controller's
 * requests with their answers, each answer naming its request's mid (`requestMid`). Strict schemas
 * are what senders produce; `Tolerant…` ones are what the phone accepts from any bridge version.
 */

export const MachineInfo = z.object({
  machineId: z.string(),
  name: z.string(),
  hostname: z.string(),
  platform: z.string(),
  /** Absolute, symlink-free folders a session's cwd must be under. */
  roots: z.array(z.string()),
  bridgeVersion: z.string(),
  at: z.number(),
});
export type MachineInfo = z.infer<typeof MachineInfo>;

export const TolerantMachineInfo = MachineInfo.partial({
  hostname: true,
  platform: true,
  bridgeVersion: true,
  at: true,
});
export type TolerantMachineInfo = z.infer<typeof TolerantMachineInfo>;

/** One step of a room's `/clear` chain: that Claude session was followed by `transitionedTo`. */
export const ChainLink = z.object({ claudeSessionId: z.string(), transitionedTo: z.string() });
export type ChainLink = z.infer<typeof ChainLink>;

/** Room ids are checked where they are used (the relay refuses a malformed one), not in bodies. */
export const SessionSummary = z.object({
  room: z.string(),
  title: z.string(),
  cwd: z.string(),
  state: SessionState,
  claudeSessionId: z.string().optional(),
  transitionedFrom: z.string().optional(),
  /** Oldest first; empty until the first /clear. */
  chain: z.array(ChainLink),
  /** A Claude session a terminal runs (docs/protocol.md §9.6.2), as in its session.info. */
  origin: z.literal("terminal").optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

/** The whole list, after every change. */
export const MachineSessions = z.object({ sessions: z.array(SessionSummary) });
export type MachineSessions = z.infer<typeof MachineSessions>;

/** A state unknown here is still listed; older bridges sent null ids and no chain. */
export const TolerantSessionSummary = SessionSummary.extend({
  state: z.string(),
  claudeSessionId: z.string().nullable().optional(),
  transitionedFrom: z.string().nullable().optional(),
  chain: z.array(ChainLink.partial({ transitionedTo: true })).optional(),
  /** An origin this app does not know is read as a session the bridge runs. */
  origin: z.literal("terminal").optional().catch(undefined),
});
export type TolerantSessionSummary = z.infer<typeof TolerantSessionSummary>;
export const TolerantMachineSessions = z.object({ sessions: z.array(TolerantSessionSummary) });
export type TolerantMachineSessions = z.infer<typeof TolerantMachineSessions>;

/** `cwd` must be under a root (else `cwd_not_allowed`); `prompt` becomes the session's first turn. */
export const CreateSession = z.object({
  cwd: z.string().min(1),
  /** Shown in terminals (`tether sessions`) and on phones: no control characters (§9.3). */
  title: plainText(200).optional(),
  permissionMode: PermissionMode.optional(),
  resumeClaudeSessionId: z.string().optional(),
  prompt: z.string().optional(),
});
export type CreateSession = z.infer<typeof CreateSession>;

export const SessionCreated = z.object({ requestMid: z.string(), room: z.string() });
export type SessionCreated = z.infer<typeof SessionCreated>;

export const EndSession = z.object({ room: z.string() });
export type EndSession = z.infer<typeof EndSession>;

/** Without `cwd`: every Claude session on the workstation. */
export const ListResumable = z.object({ cwd: z.string().optional() });
export type ListResumable = z.infer<typeof ListResumable>;

/** A Claude session on disk; `reason` says why one is not `resumable`. */
export const Resumable = z.object({
  claudeSessionId: z.string(),
  cwd: z.string(),
  title: z.string(),
  updatedAt: z.number(),
  resumable: z.boolean(),
  reason: z.string().optional(),
});
export type Resumable = z.infer<typeof Resumable>;

export const MachineResumable = z.object({ requestMid: z.string(), sessions: z.array(Resumable) });
export type MachineResumable = z.infer<typeof MachineResumable>;

export const TolerantResumable = Resumable.extend({
  title: z.string().nullable().optional(),
  updatedAt: z.number().nullable().optional(),
  resumable: z.boolean().optional(),
  reason: z.string().nullable().optional(),
});
export type TolerantResumable = z.infer<typeof TolerantResumable>;
export const TolerantMachineResumable = z.object({
  requestMid: z.string(),
  sessions: z.array(TolerantResumable),
});
export type TolerantMachineResumable = z.infer<typeof TolerantMachineResumable>;
