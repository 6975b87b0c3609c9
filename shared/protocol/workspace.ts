import { z } from "zod";

/**
 * The read-only workspace view (docs/protocol.md §9.3, "Workspace"): a controller asks the bridge
 * about a session's working directory (`git status`, one file's diff, one file's text) and the
 * bridge answers with a typed, paged, size-capped body. Every path in a request and an answer is
 * relative to the request's `cwd`; a refusal names no path and no system error.
 */

export const WorkspaceLimits = {
  /** Text per page of a diff or a file (UTF-8 bytes of the file or of git's output). */
  pageBytes: 64 * 1024,
  /** Files listed by one status answer; more set `truncated`. */
  statusFiles: 500,
  /** The listed paths' bytes in one status answer; more set `truncated`. */
  statusPathBytes: 96 * 1024,
  /** A path or a cwd in a request. */
  pathChars: 4096,
} as const;

/** No NUL: the kernel and git cut a path at one, so it could name another file than the one shown. */
const PathText = z
  .string()
  .min(1)
  .max(WorkspaceLimits.pathChars)
  .refine((s) => !s.includes("\0"), { message: "must not contain NUL" });
const Offset = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** `cwd`: the session's working directory (absolute); `path`: relative to it. */
export const WorkspaceRequest = z.discriminatedUnion("what", [
  z.object({ cwd: PathText, what: z.literal("status") }),
  z.object({ cwd: PathText, what: z.literal("diff"), path: PathText, offset: Offset.optional() }),
  z.object({ cwd: PathText, what: z.literal("file"), path: PathText, offset: Offset.optional() }),
]);
export type WorkspaceRequest = z.infer<typeof WorkspaceRequest>;

/**
 * A changed file's state: the index's and the work tree's changes folded into one word, the
 * strongest first (conflicted, then untracked, renamed, copied, added, deleted, type_changed).
 */
export const FileState = z.enum([
  "modified",
  "added",
  "deleted",
  "renamed",
  "copied",
  "type_changed",
  "untracked",
  "conflicted",
]);
export type FileState = z.infer<typeof FileState>;

/** `oldPath`: where a renamed or copied file came from, when that lies under the cwd too. */
export const ChangedFile = z.object({
  path: z.string(),
  state: FileState,
  oldPath: z.string().optional(),
});
export type ChangedFile = z.infer<typeof ChangedFile>;

/**
 * `branch` is null on a detached HEAD; `upstream` null without one (then ahead and behind are 0).
 * Only files under the cwd are listed, so nothing outside the roots is.
 */
export const WorkspaceStatus = z.object({
  requestMid: z.string(),
  what: z.literal("status"),
  branch: z.string().nullable(),
  upstream: z.string().nullable(),
  ahead: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
  files: z.array(ChangedFile),
  truncated: z.boolean(),
});
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>;

/**
 * One page of text: bytes `offset`…`nextOffset` of `size` (`nextOffset` only when `truncated`,
 * i.e. when more follows). A page ends at a line's end when one falls in its second half.
 */
const Page = {
  requestMid: z.string(),
  path: z.string(),
  text: z.string(),
  offset: Offset,
  size: Offset,
  truncated: z.boolean(),
  nextOffset: Offset.optional(),
};

/** The unified diff of one file against HEAD (an untracked file: all of it added). */
export const WorkspaceDiff = z.object({ ...Page, what: z.literal("diff") });
export type WorkspaceDiff = z.infer<typeof WorkspaceDiff>;

export const WorkspaceFile = z.object({ ...Page, what: z.literal("file") });
export type WorkspaceFile = z.infer<typeof WorkspaceFile>;

/**
 * Why a request was not answered. `outside_roots` covers a cwd or path outside the roots, one
 * whose real path (symlinks followed) leaves them, and a cwd that does not exist: one answer,
 * so a refusal tells nothing about the disk.
 */
export const WorkspaceRefusalCode = z.enum([
  "bad_request",
  "outside_roots",
  "not_a_repo",
  "not_found",
  "too_large",
  "binary",
  "failed",
]);
export type WorkspaceRefusalCode = z.infer<typeof WorkspaceRefusalCode>;

/** `text` is for people; it names the refused field of a bad request but never a path or an errno. */
export const WorkspaceRefusal = z.object({
  requestMid: z.string(),
  what: z.literal("refused"),
  code: WorkspaceRefusalCode,
  text: z.string(),
});
export type WorkspaceRefusal = z.infer<typeof WorkspaceRefusal>;

/** The bridge's answer to a `machine.workspace_request`, naming it by `requestMid`. */
export const MachineWorkspace = z.discriminatedUnion("what", [
  WorkspaceStatus,
  WorkspaceDiff,
  WorkspaceFile,
  WorkspaceRefusal,
]);
export type MachineWorkspace = z.infer<typeof MachineWorkspace>;

/** The phone lists a state or code a newer bridge adds by name. */
export const TolerantMachineWorkspace = z.discriminatedUnion("what", [
  WorkspaceStatus.extend({ files: z.array(ChangedFile.extend({ state: z.string() })) }),
  WorkspaceDiff,
  WorkspaceFile,
  WorkspaceRefusal.extend({ code: z.string() }),
]);
export type TolerantMachineWorkspace = z.infer<typeof TolerantMachineWorkspace>;
