import type { z } from "zod";
import {
  AgentDelta,
  AgentMessage,
  TolerantAgentMessage,
  TolerantTurnResult,
  ToolResult,
  TurnResult,
  TurnStarted,
} from "./agent.ts";
import { AttachmentChunk } from "./attachment.ts";
import {
  SessionCommands,
  SessionCompacted,
  SessionContext,
  TolerantSessionCommands,
  TolerantSessionCompacted,
  TolerantSessionContext,
} from "./commands.ts";
import { KeysEnroll, KeysGrant, KeysReconcile, KeysShare } from "./e2e.ts";
import { MachineHealth, TolerantMachineHealth } from "./health.ts";
import type { Role } from "./ids.ts";
import {
  CreateSession,
  EndSession,
  ListResumable,
  MachineInfo,
  MachineResumable,
  MachineSessions,
  SessionCreated,
  TolerantMachineInfo,
  TolerantMachineResumable,
  TolerantMachineSessions,
} from "./machine.ts";
import { MachineNotice, SessionNotice, TolerantMachineNotice, TolerantSessionNotice } from "./notice.ts";
import {
  PermissionRequest,
  PermissionResolved,
  PermissionResponse,
  TolerantPermissionRequest,
  TolerantPermissionResolved,
} from "./permission.ts";
import {
  SessionCommand,
  SessionInfo,
  SessionInterrupt,
  SessionStatus,
  SessionTransition,
  TolerantSessionInfo,
  TolerantSessionStatus,
  TolerantSessionTransition,
  Typing,
  UserMessage,
} from "./session.ts";
import { SessionTasks, SessionTodos, TolerantSessionTasks, TolerantSessionTodos } from "./tasks.ts";
import {
  CheckAccount,
  MachineAccount,
  SessionUsage,
  TolerantMachineAccount,
  TolerantSessionUsage,
} from "./usage.ts";
import { MachineWorkspace, TolerantMachineWorkspace, WorkspaceRequest } from "./workspace.ts";

/**
 * Every kind of the session layer, declared once: its body schema, whether the room stores it or
 * only relays it (a signal), and which roles may send it. The relay's role rule
 * (shared/core/room/roles.ts), the typed `send` of bridge and web, and every receiver's parsing
 * derive from this table, so a new kind is one line here plus its handlers.
 */
export const kinds = {
  "machine.info": stored("bridge", MachineInfo, TolerantMachineInfo),
  "machine.sessions": stored("bridge", MachineSessions, TolerantMachineSessions),
  "machine.create_session": stored("controller", CreateSession),
  "machine.session_created": stored("bridge", SessionCreated),
  "machine.end_session": stored("controller", EndSession),
  "machine.list_resumable": stored("controller", ListResumable),
  "machine.resumable": stored("bridge", MachineResumable, TolerantMachineResumable),
  "machine.notice": stored("bridge", MachineNotice, TolerantMachineNotice),
  "machine.account": stored("bridge", MachineAccount, TolerantMachineAccount),
  "machine.check_account": stored("controller", CheckAccount),
  "machine.health": stored("bridge", MachineHealth, TolerantMachineHealth),
  "machine.workspace_request": stored("controller", WorkspaceRequest),
  "session.info": stored("bridge", SessionInfo, TolerantSessionInfo),
  "session.status": stored("bridge", SessionStatus, TolerantSessionStatus),
  "user.message": stored("controller", UserMessage),
  "attachment.chunk": stored("controller", AttachmentChunk),
  "turn.started": stored("bridge", TurnStarted),
  "agent.message": stored("bridge", AgentMessage, TolerantAgentMessage),
  "tool.result": stored("bridge", ToolResult),
  "permission.request": stored("bridge", PermissionRequest, TolerantPermissionRequest),
  "permission.response": stored("controller", PermissionResponse),
  "permission.resolved": stored("bridge", PermissionResolved, TolerantPermissionResolved),
  "turn.result": stored("bridge", TurnResult, TolerantTurnResult),
  "session.interrupt": stored("controller", SessionInterrupt),
  "session.command": stored("controller", SessionCommand),
  "session.transition": stored("bridge", SessionTransition, TolerantSessionTransition),
  "session.notice": stored("bridge", SessionNotice, TolerantSessionNotice),
  "session.todos": stored("bridge", SessionTodos, TolerantSessionTodos),
  "session.tasks": stored("bridge", SessionTasks, TolerantSessionTasks),
  "session.commands": stored("bridge", SessionCommands, TolerantSessionCommands),
  "session.context": stored("bridge", SessionContext, TolerantSessionContext),
  "session.compacted": stored("bridge", SessionCompacted, TolerantSessionCompacted),
  "session.usage": stored("bridge", SessionUsage, TolerantSessionUsage),
  "keys.enroll": stored("controller", KeysEnroll),
  "keys.grant": stored("bridge", KeysGrant),
  "keys.share": stored("controller", KeysShare),
  "keys.reconcile": stored("controller", KeysReconcile),
  "agent.delta": signal("bridge", AgentDelta),
  typing: signal("controller", Typing),
  // A signal: answers are large, refreshed after every turn and asked again at will (§9.3).
  "machine.workspace": signal("bridge", MachineWorkspace, TolerantMachineWorkspace),
} as const;

/**
 * What the relay lets the bridge send beyond the table: any kind of the families it alone writes
 * (agent.*, tool.*, turn.*) and any signal, so a newer bridge can add output kinds without a relay
 * release (receivers skip kinds they do not know). Controllers get nothing beyond the table: what
 * they may ask is exactly what the bridge handles.
 */
export const openToBridge = { storedPrefixes: ["agent.", "tool.", "turn."], anySignal: true } as const;

export type Direction = "stored" | "signal";

export type KindSpec<B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> = {
  readonly direction: Direction;
  readonly from: readonly Role[];
  /** What a sender must produce, and what the bridge parses controllers' bodies with. */
  readonly body: B;
  /**
   * What receivers of bridge output parse with: `body`, or a looser variant that still accepts
   * what older bridges sent and values newer ones may add (a state, a code, a block type).
   */
  readonly read: R;
};

type Kinds = typeof kinds;
/** A stored kind of the table. */
export type Kind = { [K in keyof Kinds]: Kinds[K]["direction"] extends "stored" ? K : never }[keyof Kinds];
/** A signal of the table. */
export type SignalKind = Exclude<keyof Kinds, Kind>;
/** The body a sender of `K` must produce. */
export type BodyOf<K extends keyof Kinds> = z.infer<Kinds[K]["body"]>;
/** The body a receiver of `K` gets from its `read` schema. */
export type ReadOf<K extends keyof Kinds> = z.infer<Kinds[K]["read"]>;

const specs = new Map<string, KindSpec>(Object.entries(kinds));

/** The table's entry for a kind from the wire; null for a kind it does not declare. */
export function specOf(kind: string): KindSpec | null {
  return specs.get(kind) ?? null;
}

function stored<B extends z.ZodType>(from: Role, body: B): Spec<"stored", B, B>;
function stored<B extends z.ZodType, R extends z.ZodType>(from: Role, body: B, read: R): Spec<"stored", B, R>;
function stored(from: Role, body: z.ZodType, read?: z.ZodType): Spec<"stored", z.ZodType, z.ZodType> {
  return { direction: "stored", from: [from], body, read: read ?? body };
}

function signal<B extends z.ZodType>(from: Role, body: B): Spec<"signal", B, B>;
function signal<B extends z.ZodType, R extends z.ZodType>(from: Role, body: B, read: R): Spec<"signal", B, R>;
function signal(from: Role, body: z.ZodType, read?: z.ZodType): Spec<"signal", z.ZodType, z.ZodType> {
  return { direction: "signal", from: [from], body, read: read ?? body };
}

type Spec<D extends Direction, B extends z.ZodType, R extends z.ZodType> = KindSpec<B, R> & {
  readonly direction: D;
};
