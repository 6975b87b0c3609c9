import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { relative } from "node:path";
import {
  type MachineWorkspace,
  WorkspaceLimits,
  type WorkspaceRefusalCode,
  WorkspaceRequest,
} from "../../shared/protocol/index.ts";
import type { Logger } from "../log.ts";
import { type GitOutcome, git } from "./git.ts";
import { parseStatus } from "./git-status.ts";
import { issueText } from "./issue-text.ts";
import { type PathUnderRoots, resolvePathUnderRoots, resolveUnderRoots } from "./roots.ts";
import { addedDiff, cutPage, looksBinary } from "./text-page.ts";

/** An answer before the request's mid is put on it. */
export type WorkspaceAnswer = MachineWorkspace extends infer T
  ? T extends unknown
    ? Omit<T, "requestMid">
    : never
  : never;

/** Words for people: none names a path, a real path or what the system or git said. */
const REFUSED: Record<Exclude<WorkspaceRefusalCode, "bad_request">, string> = {
  outside_roots: "That is not a place this bridge may show (it must lie under one of its roots).",
  not_a_repo: "This folder is not in a git repository.",
  not_found: "There is no file there.",
  too_large: "That diff is too large to show.",
  binary: "That is a binary file; it is not shown as text.",
  failed: "The bridge could not read that; its log says why.",
};

/** git's output for a diff or status, and an untracked file read whole for its diff. */
const DIFF_MAX_BYTES = 8 * 1024 * 1024;
const STATUS_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The machine room's workspace requests (docs/protocol.md §9.3.1), one at a time and in order, so
 * a burst of requests never runs more than one git at once. Each gets exactly one answer.
 */
export class Workspace {
  readonly #roots: readonly string[];
  readonly #answer: (a: MachineWorkspace) => void;
  readonly #log: Logger;
  #tail: Promise<void> = Promise.resolve();

  constructor(roots: readonly string[], answer: (a: MachineWorkspace) => void, log: Logger) {
    this.#roots = roots;
    this.#answer = answer;
    this.#log = log;
  }

  ask(requestMid: string, body: unknown): void {
    this.#tail = this.#tail.then(async () => {
      const a = await workspaceAnswer(body, this.#roots, this.#log).catch((err: Error) =>
        this.#failed(requestMid, err.message),
      );
      this.#answer({ requestMid, ...a });
    });
  }

  #failed(requestMid: string, detail: string): WorkspaceAnswer {
    this.#log.error("workspace request failed", { requestMid, error: detail });
    return refused("failed");
  }
}

/** The answer to one request's body; a malformed one is refused naming its field. */
export async function workspaceAnswer(
  body: unknown,
  roots: readonly string[],
  log: Logger,
): Promise<WorkspaceAnswer> {
  const req = WorkspaceRequest.safeParse(body);
  if (!req.success)
    return {
      what: "refused",
      code: "bad_request",
      text: `workspace_request: ${issueText(req.error.issues[0])}`,
    };
  const cwd = await resolveUnderRoots(req.data.cwd, roots);
  if (cwd === null) return refused("outside_roots");
  if (req.data.what === "status") return status(cwd, log);
  const at = await resolvePathUnderRoots(cwd, req.data.path, roots);
  if (at.kind === "outside") return refused("outside_roots");
  const path = relative(cwd, at.full) || ".";
  const offset = req.data.offset ?? 0;
  return req.data.what === "diff" ? diff(cwd, path, at, offset, log) : file(path, at, offset, log);
}

async function status(cwd: string, log: Logger): Promise<WorkspaceAnswer> {
  const prefix = await git(cwd, ["rev-parse", "--show-prefix"], 64 * 1024);
  if (!prefix.ok) return gitRefused(prefix, log);
  // `-- .`: only what lies under the cwd, so nothing of the repository outside the roots is listed.
  const args = ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--", "."];
  const out = await git(cwd, args, STATUS_MAX_BYTES);
  if (!out.ok) return gitRefused(out, log);
  const summary = parseStatus(out.out.toString("utf8"), prefix.out.toString("utf8").replace(/\n$/, ""));
  return { what: "status", ...summary };
}

/** Against HEAD; an untracked file (or any, before the first commit) shows all of it added. */
async function diff(
  cwd: string,
  path: string,
  at: PathUnderRoots,
  offset: number,
  log: Logger,
): Promise<WorkspaceAnswer> {
  const repo = await git(cwd, ["rev-parse", "--show-prefix"], 64 * 1024);
  if (!repo.ok) return gitRefused(repo, log);
  const head = await git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD"], 4096);
  const known = head.ok ? await git(cwd, ["ls-files", "-z", "--", path], 64 * 1024) : null;
  if (known !== null && !known.ok) return gitRefused(known, log);
  if (known === null || known.out.length === 0) {
    if (at.kind !== "found") return page("diff", path, Buffer.alloc(0), offset);
    const read = await readWhole(at.real, DIFF_MAX_BYTES);
    if (typeof read === "string") return refused(read);
    return page("diff", path, Buffer.from(addedDiff(path, read.toString("utf8"))), offset);
  }
  const args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "HEAD", "--", path];
  const out = await git(cwd, args, DIFF_MAX_BYTES);
  return out.ok ? page("diff", path, out.out, offset) : gitRefused(out, log);
}

async function file(path: string, at: PathUnderRoots, offset: number, log: Logger): Promise<WorkspaceAnswer> {
  if (at.kind !== "found") return refused("not_found");
  const h = await openFile(at.real);
  if (typeof h === "string") return refused(h);
  try {
    const size = (await h.stat()).size;
    // 3 bytes past the page, so the cut can tell whether it would split a character.
    const window = Buffer.alloc(Math.max(0, Math.min(WorkspaceLimits.pageBytes + 3, size - offset)));
    const { bytesRead } = await h.read(window, 0, window.length, offset);
    const got = window.subarray(0, bytesRead);
    const cut = cutPage(got, offset + bytesRead < size);
    if (looksBinary(got.subarray(0, cut.length))) return refused("binary");
    return paged("file", path, cut, offset, size);
  } catch (err) {
    log.error("workspace file read failed", { error: (err as Error).message });
    return refused("failed");
  } finally {
    await h.close();
  }
}

/**
 * Opened without blocking (a FIFO would hang an open, a read), then checked to be a regular file
 * on the handle itself, so the file cannot be swapped between the check and the read.
 */
async function openFile(real: string): Promise<FileHandle | "not_found" | "failed"> {
  const h = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  if (h === null) return "not_found";
  const st = await h.stat().catch(() => null);
  if (st?.isFile()) return h;
  await h.close();
  return st === null ? "failed" : "not_found";
}

async function readWhole(
  real: string,
  max: number,
): Promise<Buffer | "not_found" | "failed" | "too_large" | "binary"> {
  const h = await openFile(real);
  if (typeof h === "string") return h;
  try {
    const size = (await h.stat()).size;
    if (size > max) return "too_large";
    const bytes = await h.readFile();
    return looksBinary(bytes) ? "binary" : bytes;
  } finally {
    await h.close();
  }
}

function page(what: "diff", path: string, source: Buffer, offset: number): WorkspaceAnswer {
  const start = Math.min(offset, source.length);
  return paged(what, path, cutPage(source.subarray(start), false), offset, source.length);
}

function paged(
  what: "diff" | "file",
  path: string,
  cut: ReturnType<typeof cutPage>,
  offset: number,
  size: number,
): WorkspaceAnswer {
  const base = { what, path, text: cut.text, offset, size, truncated: !cut.last };
  return cut.last ? base : { ...base, nextOffset: offset + cut.length };
}

function gitRefused(o: Extract<GitOutcome, { ok: false }>, log: Logger): WorkspaceAnswer {
  if (o.reason === "failed") log.warn("git failed for a workspace request", { detail: o.detail });
  return refused(o.reason);
}

function refused(code: Exclude<WorkspaceRefusalCode, "bad_request">): WorkspaceAnswer {
  return { what: "refused", code, text: REFUSED[code] };
}
