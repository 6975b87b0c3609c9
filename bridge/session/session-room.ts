import type { BodyOf, NoticeLevel, SessionNoticeCode } from "../../shared/protocol/index.ts";
import type { RoomLink } from "../link/room-link.ts";
import { grantsOf } from "./allowances.ts";
import { clip } from "./clip.ts";
import { sessionErrorHint, turnEndedHint, turnStartedHint } from "./push-hints.ts";
import type { Registry, SessionRecord, SessionState } from "./registry.ts";
import type { Input, TurnOutcome } from "./session-types.ts";
import { derivedMid } from "./turn-mids.ts";

export type SessionRoomDeps = {
  registry: Registry;
  /** The bridge's default for session.info `autoContinue` (true when not given). */
  autoContinue?: boolean;
  machineId: string;
  /** The session list changed (state, title, ids): the machine room republishes it. */
  changed(): void;
  /** Set for a session that runs in a terminal (docs/hooks.md), told in session.info. */
  origin?: "terminal";
};

/**
 * What a session keeps (its record in the registry) and says about itself in its room: info,
 * status, transitions, turn starts and results, notices.
 */
export class SessionRoom {
  record: SessionRecord;
  readonly link: RoomLink;
  private readonly deps: SessionRoomDeps;

  constructor(record: SessionRecord, link: RoomLink, deps: SessionRoomDeps) {
    this.record = record;
    this.link = link;
    this.deps = deps;
  }

  get room(): string {
    return this.record.room;
  }

  update(change: Partial<Pick<SessionRecord, "permissionMode" | "model">>): void {
    this.record = { ...this.record, ...change };
    this.save();
    this.publishInfo();
  }

  turnStarted({ mid, text, kind }: Input): void {
    const body = kind === "prompt" ? { inputMid: mid, text } : { inputMid: mid };
    this.link.send(
      "turn.started",
      body,
      derivedMid("ts", mid),
      turnStartedHint(this.record.title, this.room),
    );
  }

  turnResult(inputMid: string, r: TurnOutcome): void {
    const body: BodyOf<"turn.result"> = {
      inputMid,
      ok: r.ok,
      subtype: r.subtype,
      durationMs: r.durationMs,
    };
    if (r.costUsd !== undefined) body.costUsd = r.costUsd;
    if (r.usage !== undefined) body.usage = r.usage;
    if (r.error) body.error = clip(r.error, 8000).text;
    const pushed = turnEndedHint(this.record.title, this.room, r);
    this.link.send("turn.result", body, derivedMid("tr", inputMid), pushed);
  }

  endedNotice(inputMid: string): void {
    const text = "The session ended before this message ran.";
    this.notice("warn", "session_ended", text, inputMid, derivedMid("nt", inputMid));
  }

  /** The Claude session could not be resumed: the next process starts a fresh one. */
  startedFresh(inputMid: string, why: string): void {
    const oldId = this.record.claudeSessionId ?? "?";
    this.record = { ...this.record, claudeSessionId: null };
    this.save();
    const text = `The previous Claude session (${oldId}) could not be resumed: ${why}. Started a fresh session; your message was re-sent.`;
    // One notice per lost Claude session: an input held and continued may lose a second one.
    const mid = derivedMid("rf", `${inputMid} ${oldId}`);
    this.notice("warn", "resume_failed_started_fresh", text, inputMid, mid);
  }

  notice(level: NoticeLevel, code: SessionNoticeCode, text: string, inputMid?: string, mid?: string): void {
    this.link.send("session.notice", { level, code, text, ...(inputMid ? { inputMid } : {}) }, mid);
  }

  /** A permission.response the bridge refused, named by its requestId or, unreadable, its mid. */
  refusedResponse(code: SessionNoticeCode, text: string, ref: { requestId: string } | { mid: string }): void {
    this.link.send("session.notice", { level: "warn", code, text, ...ref });
  }

  /** The Claude session id comes only from init/result; a change after /clear is a transition. */
  follow(sessionId: string, clearing: boolean): void {
    const current = this.record.claudeSessionId;
    if (!sessionId || sessionId === current) return;
    const now = Date.now();
    if (current && clearing) {
      this.deps.registry.transition(this.room, current, sessionId, "clear", now);
      this.link.send("session.transition", {
        reason: "clear",
        fromClaudeSessionId: current,
        toClaudeSessionId: sessionId,
        at: now,
      });
      this.record = { ...this.record, claudeSessionId: sessionId, transitionedFrom: current };
    } else this.record = { ...this.record, claudeSessionId: sessionId };
    this.save();
    this.publishInfo();
  }

  /** Publishes a state change (`resetsAt`: when a waiting input continues). Nothing brings an ended session back. */
  setState(state: SessionState, detail?: string, resetsAt?: number): void {
    if (this.record.state === "ended" && state !== "ended") return;
    if (this.record.state === state && !detail && resetsAt === undefined) return;
    this.record = { ...this.record, state, updatedAt: Date.now() };
    this.save();
    const body = {
      state,
      at: Date.now(),
      ...(detail ? { detail: clip(detail, 4000).text } : {}),
      ...(resetsAt !== undefined ? { resetsAt } : {}),
    };
    const pushed =
      state === "error" ? sessionErrorHint(this.record.title, this.room, detail ?? "unknown") : undefined;
    this.link.send("session.status", body, undefined, pushed);
    this.deps.changed();
  }

  publishInfo(): void {
    const r = this.record;
    const body: BodyOf<"session.info"> = {
      title: r.title,
      cwd: r.cwd,
      machineId: this.deps.machineId,
      permissionMode: r.permissionMode,
      createdAt: r.createdAt,
    };
    if (r.model) body.model = r.model;
    if (r.claudeSessionId) body.claudeSessionId = r.claudeSessionId;
    if (r.transitionedFrom) body.transitionedFrom = r.transitionedFrom;
    const grants = grantsOf(this.deps.registry, r.room);
    if (grants.length > 0) body.grants = grants;
    body.autoContinue = this.deps.registry.autoContinue(r.room, this.deps.autoContinue ?? true);
    if (this.deps.origin) body.origin = this.deps.origin;
    this.link.send("session.info", body);
    this.deps.changed();
  }

  save(): void {
    this.deps.registry.put({ ...this.record, updatedAt: Date.now() });
  }
}
