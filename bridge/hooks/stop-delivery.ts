import { type StoredMsg, UserMessage } from "../../shared/protocol/index.ts";
import type { Logger } from "../log.ts";
import type { SessionRoom } from "../session/session-room.ts";
import { derivedMid } from "../session/turn-mids.ts";
import type { HookInput } from "./hook-input.ts";
import type { TerminalInbox } from "./terminal-inbox.ts";

/** Characters of phone messages one Stop hook carries; more wait for the next Stop. */
const BLOCK_BUDGET = 256_000;

/**
 * The phone's words for a terminal's Claude (docs/protocol.md §9.6.2): queued durably, handed over
 * as one Stop hook's `reason`, confirmed by the next Stop, and the phone told of each step, or that
 * a message never reached Claude. Every notice has a mid derived from the message, so a notice sent
 * again after a crash is stored once.
 */
export class StopDelivery {
  readonly #out: SessionRoom;
  readonly #inbox: TerminalInbox;
  readonly #log: Logger;

  constructor(out: SessionRoom, inbox: TerminalInbox, log: Logger) {
    this.#out = out;
    this.#inbox = inbox;
    this.#log = log;
  }

  /** A phone's message while the terminal runs: queued until the session's next Stop hook. */
  queue(msg: StoredMsg): void {
    const out = this.#out;
    const body = UserMessage.safeParse(msg.body);
    const text = body.success ? body.data.text.trim() : "";
    if (!text) return out.notice("warn", "empty_message", "This message has no text.", msg.mid);
    if (body.data?.attachments?.length)
      return out.notice(
        "error",
        "message_skipped",
        "Attachments cannot reach a session running in a terminal; send the text alone.",
        msg.mid,
      );
    if (!this.#inbox.queue(out.room, msg.mid, text)) return;
    const queued = "Queued for the terminal: Claude gets it when its current (or next) turn ends.";
    out.notice("info", "queued_for_terminal", queued, msg.mid, derivedMid("qt", msg.mid));
  }

  /**
   * The queued messages as one Stop hook `reason`, in order; marked delivered before the answer
   * leaves (at most once). Null when none waits.
   */
  deliver(): string | null {
    const taken = this.#inbox.take(this.#out.room, BLOCK_BUDGET);
    if (taken.length === 0) return null;
    const said = taken.map((m) => m.text).join("\n\n");
    const reason = `Message from the phone (sent through Tether while you worked): ${said}`.slice(0, 1 << 20);
    const text = "Delivered to the terminal session as Claude's turn ended.";
    for (const m of taken)
      this.#out.notice("info", "delivered_at_stop", text, m.mid, derivedMid("ds", m.mid));
    this.#log.info("phone messages handed to a terminal session's Stop hook", {
      room: this.#out.room,
      count: taken.length,
    });
    return reason;
  }

  /**
   * A Stop that follows a block (`stop_hook_active`) shows the phone's messages reached Claude.
   * A turn that ended otherwise after they were handed (the bridge stopped before the hook got its
   * answer, or the hook gave up) did not take them: the phone is told, and they are not sent again.
   */
  checkHanded(input: HookInput): void {
    const room = this.#out.room;
    const event = input.hook_event_name;
    if (event === "Stop" && input.stop_hook_active) return this.#inbox.confirm(room);
    if (event !== "Stop" && event !== "UserPromptSubmit" && event !== "SessionEnd") return;
    const lost = this.#inbox.unconfirmed(room);
    if (lost.length === 0) return;
    const text =
      "This message may not have reached Claude: the terminal's turn ended without going on with it. It is not sent again.";
    for (const m of lost) this.#out.notice("warn", "not_delivered", text, m.mid, derivedMid("nd", m.mid));
    this.#inbox.confirm(room);
  }

  /** The terminal ended with messages still queued (no Stop came after them): they never run. */
  undelivered(): void {
    const text =
      "The terminal session ended before this message could be delivered. Send it again to continue the session here.";
    for (const m of this.#inbox.take(this.#out.room, Number.POSITIVE_INFINITY))
      this.#out.notice("warn", "session_ended", text, m.mid, derivedMid("nt", m.mid));
    this.#inbox.confirm(this.#out.room);
  }
}
