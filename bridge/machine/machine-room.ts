import { hostname, platform } from "node:os";
import { sep } from "node:path";
import {
  CheckAccount,
  CreateSession,
  EndSession,
  ListResumable,
  type MachineAccount,
  type MachineHealth,
  type MachineInfo,
  type MachineNoticeCode,
  type NoticeLevel,
  type StoredMsg,
  stripControlChars,
} from "../../shared/protocol/index.ts";
import { skippedText } from "../link/guard.ts";
import type { RoomLink, SkipReason } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import type { Registry } from "../session/registry.ts";
import type { Sessions } from "../session/sessions.ts";
import { issueText } from "./issue-text.ts";
import { listResumable, mayResume } from "./resumable.ts";
import { resolveUnderRoots } from "./roots.ts";
import { Workspace } from "./workspace.ts";

/** One text for a path outside the roots and one that does not exist: a refusal tells nothing of the disk. */
const CWD_REFUSED = "That folder is not one this bridge may use (it must lie under one of its roots).";
const RESUME_REFUSED =
  "That Claude session is not one this bridge may resume (its folder must lie under a root).";

const TERMINAL_RESUME_REFUSED =
  "That Claude session is a terminal session with its own room here: write in that room (once the terminal has ended, the session continues there).";

/** What the bridge knows of itself at start; host, platform and time are added when it publishes. */
export type MachineFacts = Pick<MachineInfo, "machineId" | "name" | "roots" | "bridgeVersion">;

/** The machine room: what this workstation offers, and the controller's requests to it. */
export class MachineRoom {
  private readonly link: RoomLink;
  private readonly info: MachineFacts;
  private readonly registry: Registry;
  private readonly sessions: Sessions;
  private readonly log: Logger;
  private readonly workspace: Workspace;
  /** The phone asked to check Claude Code's account again (machine.check_account). */
  onCheckAccount: () => void = () => {};

  constructor(link: RoomLink, info: MachineFacts, registry: Registry, sessions: Sessions, log: Logger) {
    this.link = link;
    this.info = info;
    this.registry = registry;
    this.sessions = sessions;
    this.log = log;
    // Answers are signals (docs/protocol.md §9.3.1): large, soon stale, and asked again at will.
    this.workspace = new Workspace(info.roots, (a) => link.signal("machine.workspace", a), log);
  }

  publishInfo(): void {
    this.link.send("machine.info", {
      ...this.info,
      hostname: hostname(),
      platform: platform(),
      at: Date.now(),
    });
  }

  publishAccount(a: MachineAccount): void {
    this.link.send("machine.account", a);
  }

  /** What the bridge did, in numbers (docs/protocol.md §9.12). */
  publishHealth(h: MachineHealth): void {
    this.link.send("machine.health", h);
  }

  /** The whole list, after every change. */
  publishSessions(): void {
    const sessions = this.registry.all().map((s) => ({
      room: s.room,
      title: s.title,
      cwd: s.cwd,
      state: s.state,
      ...(s.claudeSessionId ? { claudeSessionId: s.claudeSessionId } : {}),
      ...(s.transitionedFrom ? { transitionedFrom: s.transitionedFrom } : {}),
      chain: this.registry.chain(s.room),
      ...(this.sessions.runsInTerminal(s.room) ? { origin: "terminal" as const } : {}),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    }));
    this.link.send("machine.sessions", { sessions });
  }

  onMessage(msg: StoredMsg): void {
    if (msg.role !== "controller") return;
    const run = async () => {
      if (msg.kind === "machine.create_session") await this.#create(msg);
      else if (msg.kind === "machine.end_session") await this.#end(msg);
      else if (msg.kind === "machine.list_resumable") await this.#resumable(msg);
      else if (msg.kind === "machine.check_account") this.#checkAccount(msg);
      else if (msg.kind === "machine.workspace_request") this.workspace.ask(msg.mid, msg.body);
    };
    run().catch((err: Error) => {
      this.log.error("machine request failed", { kind: msg.kind, mid: msg.mid, error: err.message });
      this.notice(msg.mid, "error", "internal", `The bridge could not do that: ${err.message}`);
    });
  }

  /** A controller's request the link skipped: answered with a notice naming it. */
  onSkipped(msg: StoredMsg, reason: SkipReason): void {
    if (msg.role === "controller") this.notice(msg.mid, "error", "message_skipped", skippedText(reason));
  }

  async #create(msg: StoredMsg): Promise<void> {
    const body = CreateSession.safeParse(msg.body);
    if (!body.success)
      return this.notice(
        msg.mid,
        "error",
        "bad_request",
        `create_session: ${issueText(body.error.issues[0])}`,
      );
    const { title, permissionMode, resumeClaudeSessionId, prompt } = body.data;
    // A replayed request (the bridge crashed after creating the room) creates nothing twice.
    let room = this.registry.roomOfRequest(msg.mid);
    if (!room) {
      if (this.sessions.full())
        return this.notice(
          msg.mid,
          "error",
          "too_many_sessions",
          "This machine has as many open sessions as it allows: end one first.",
        );
      const cwd = await resolveUnderRoots(body.data.cwd, this.info.roots);
      if (cwd === null) return this.notice(msg.mid, "error", "cwd_not_allowed", CWD_REFUSED);
      if (resumeClaudeSessionId && this.sessions.terminalRoomOf(resumeClaudeSessionId))
        return this.notice(msg.mid, "error", "resume_not_allowed", TERMINAL_RESUME_REFUSED);
      if (resumeClaudeSessionId && !(await mayResume(resumeClaudeSessionId, this.info.roots)))
        return this.notice(msg.mid, "error", "resume_not_allowed", RESUME_REFUSED);
      room = this.sessions.create({
        cwd,
        // A title made from the prompt or the folder is shown in terminals: no control characters.
        title: title ?? stripControlChars(prompt ? prompt.slice(0, 60) : cwd.split(sep).pop() || cwd),
        permissionMode: permissionMode ?? "default",
        resumeClaudeSessionId: resumeClaudeSessionId ?? null,
      }).room;
      this.registry.recordRequest(msg.mid, room);
    }
    this.link.send("machine.session_created", { requestMid: msg.mid, room });
    if (prompt && this.registry.addInput(room, msg.mid, prompt, "prompt")) this.sessions.get(room)?.kick();
  }

  async #end(msg: StoredMsg): Promise<void> {
    const body = EndSession.safeParse(msg.body);
    if (!body.success || !(await this.sessions.end(body.data.room))) {
      this.notice(msg.mid, "warn", "unknown_session", "No such session on this machine.");
    }
  }

  async #resumable(msg: StoredMsg): Promise<void> {
    const body = ListResumable.safeParse(msg.body);
    const asked = body.success ? body.data.cwd : undefined;
    const cwd = asked === undefined ? null : await resolveUnderRoots(asked, this.info.roots);
    if (asked !== undefined && cwd === null)
      return this.notice(msg.mid, "error", "cwd_not_allowed", CWD_REFUSED);
    const sessions = await listResumable(cwd, this.info.roots);
    this.link.send("machine.resumable", { requestMid: msg.mid, sessions });
  }

  #checkAccount(msg: StoredMsg): void {
    if (CheckAccount.safeParse(msg.body).success) return this.onCheckAccount();
    this.notice(msg.mid, "error", "bad_request", "check_account: expected an empty object");
  }

  notice(requestMid: string, level: NoticeLevel, code: MachineNoticeCode, text: string): void {
    this.link.send("machine.notice", { requestMid, level, code, text });
  }
}
