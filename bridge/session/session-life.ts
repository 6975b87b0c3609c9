import type { EventBody, ResumedFrom, SleptWhy } from "../events/lifecycle-event.ts";
import type { EventSink } from "../events/recorder.ts";
import type { SessionRecord } from "./registry.ts";
import type { Effect, TurnOutcome } from "./session-types.ts";

/**
 * One session's life as the event log tells it (docs/events.md), read off the effects the session
 * machine asks for, just before the runner performs each (so the record still holds the Claude
 * session id being resumed, replaced or left). Also the clocks for the durations it reports.
 */
export class SessionLife {
  readonly #room: string;
  readonly #events: EventSink;
  readonly #now: () => number;
  /** Where the next resume comes from: a session opened by a (re)start resumes after a restart. */
  #from: ResumedFrom = "restart";
  #liveSince: number | null = null;
  #sleptAt: number | null = null;
  #sleepWhy: SleptWhy | null = null;
  #endReason = "ended";
  #stopping = false;
  #turn: { mid: string; at: number; firstAt: number | null } | null = null;

  constructor(room: string, events: EventSink, now: () => number = Date.now) {
    this.#room = room;
    this.#events = events;
    this.#now = now;
  }

  /** The session continues a Claude session it did not start (picked on the phone, or a terminal's). */
  imported(): void {
    this.#from = "import";
  }

  sleeping(why: SleptWhy): void {
    this.#sleepWhy = why;
  }

  ending(reason: string): void {
    this.#endReason = reason;
  }

  /** The bridge shuts down: processes going now are not the session sleeping. */
  stopping(): void {
    this.#stopping = true;
  }

  /**
   * The session's process ended. One let go on purpose (`sleeping(why)`: idle, cap, memory, a
   * hold) slept now: a held input keeps its status (waiting for the account), so no `sleeping`
   * status would tell.
   */
  exited(error: string | null): void {
    if (error === null && this.#sleepWhy !== null) this.#slept(this.#sleepWhy);
  }

  /** Claude's output: the first of a turn is its time to first token. */
  output(): void {
    if (this.#turn && this.#turn.firstAt === null) this.#turn.firstAt = this.#now();
  }

  effect(e: Effect, record: SessionRecord): void {
    const room = this.#room;
    switch (e.t) {
      case "mark":
        if (e.state === "started" && this.#turn?.mid !== e.mid)
          this.#turn = { mid: e.mid, at: this.#now(), firstAt: null };
        return;
      case "turn_result":
        return this.#turnEnded(e.inputMid, e.outcome);
      case "spawn":
        return this.#spawned(record.claudeSessionId);
      case "started_fresh":
        this.#wake();
        return this.#record({
          type: "session.fallback",
          room,
          fromClaudeSessionId: record.claudeSessionId,
          reason: e.why,
          inputMid: e.inputMid,
        });
      case "session_id": {
        const from = record.claudeSessionId;
        if (e.clearing && from && e.sessionId && e.sessionId !== from)
          this.#record({ type: "session.transition", room, from, to: e.sessionId });
        return;
      }
      case "status":
        return this.#status(e.state, e.detail);
      default:
        return;
    }
  }

  #turnEnded(inputMid: string, o: TurnOutcome): void {
    const clock = this.#turn?.mid === inputMid ? this.#turn : null;
    const now = this.#now();
    const turnMs = clock ? now - clock.at : o.durationMs;
    const first = clock?.firstAt != null ? { firstTokenMs: clock.firstAt - clock.at } : {};
    if (clock) this.#turn = null;
    const base = { type: "turn.ended", room: this.#room, inputMid, ok: o.ok, subtype: o.subtype } as const;
    this.#record({ ...base, turnMs: Math.max(0, Math.round(turnMs)), ...first });
  }

  /** A sleeping session gets a process again (told before a fallback on the way, if any). */
  #wake(): void {
    if (this.#sleptAt !== null)
      this.#record({ type: "session.woke", room: this.#room, sleptMs: this.#now() - this.#sleptAt });
    this.#sleptAt = null;
  }

  #spawned(resume: string | null): void {
    this.#wake();
    this.#sleepWhy = null;
    this.#liveSince = this.#now();
    if (resume)
      this.#record({ type: "session.resumed", room: this.#room, claudeSessionId: resume, from: this.#from });
    else this.#record({ type: "session.started", room: this.#room });
  }

  #status(state: string, detail: string | undefined): void {
    const room = this.#room;
    if (state === "ended") return this.#record({ type: "session.ended", room, reason: this.#endReason });
    if (state === "error") {
      this.#from = "exit";
      this.#liveSince = null;
      return this.#record({ type: "session.error", room, error: (detail ?? "unknown").slice(0, 2000) });
    }
    if (state === "sleeping") this.#slept(this.#sleepWhy ?? "exited");
  }

  /** Recorded once per process: the first of its exit and its `sleeping` status. */
  #slept(why: SleptWhy): void {
    if (this.#liveSince === null || this.#stopping) return;
    const liveMs = this.#now() - this.#liveSince;
    this.#record({ type: "session.slept", room: this.#room, why, liveMs });
    [this.#liveSince, this.#sleptAt, this.#sleepWhy, this.#from] = [null, this.#now(), null, "sleep"];
  }

  #record(e: EventBody): void {
    this.#events.record(e);
  }
}
