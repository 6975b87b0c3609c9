import type { RoomLink } from "../link/room-link.ts";

const COALESCE_MS = 50;

/**
 * Streaming text as `agent.delta` signals, coalesced to at most one per block every 50 ms. Each
 * signal carries the text appended since the last one and its offset in the block, so a receiver
 * can tell when a signal was lost; the stored `agent.message` remains the truth.
 */
export class Deltas {
  #buffers = new Map<string, { messageId: string; index: number; offset: number; text: string }>();
  #timer: NodeJS.Timeout | null = null;

  private readonly link: RoomLink;
  constructor(link: RoomLink) {
    this.link = link;
  }

  push(messageId: string, index: number, text: string): void {
    const key = `${messageId}:${index}`;
    const b = this.#buffers.get(key) ?? { messageId, index, offset: 0, text: "" };
    b.text += text;
    this.#buffers.set(key, b);
    this.#timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const b of this.#buffers.values()) {
      if (b.text.length === 0) continue;
      this.link.signal("agent.delta", {
        messageId: b.messageId,
        index: b.index,
        offset: b.offset,
        text: b.text,
      });
      b.offset += b.text.length;
      b.text = "";
    }
  }

  /** The message is stored: forget its buffers. */
  done(messageId: string): void {
    this.flush();
    for (const key of [...this.#buffers.keys()])
      if (key.startsWith(`${messageId}:`)) this.#buffers.delete(key);
  }
}
