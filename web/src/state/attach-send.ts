import { describe, split } from "../../../shared/core/attachments/chunks.ts";
import { type AttachmentRef, chunkMid } from "../../../shared/protocol/attachment.ts";
import type { Ready } from "../lib/attach-prepare.ts";
import { randomId } from "../lib/ids.ts";
import type { SendResult } from "../net/conn-state.ts";
import type { RoomModel } from "./room-model.ts";

/**
 * Queues a message with its files (docs/protocol.md §9.5.1): every chunk of every file into the
 * outbox first, each under its derived mid, then the user.message naming them. The outbox keeps
 * order, so the relay stores the chunks before the message; a cut resumes with the chunks the
 * relay has not acknowledged. If queueing stops halfway, no message names the chunks queued so
 * far: the bridge never runs them and forgets them (§9.5.1), and the text stays in the box.
 */
export async function sendWithFiles(
  model: RoomModel,
  text: string,
  files: readonly Ready[],
): Promise<SendResult> {
  const refs: AttachmentRef[] = [];
  for (const f of files) {
    const id = randomId(18);
    for (const chunk of split(id, f.bytes)) {
      const r = await model.send("attachment.chunk", chunk, chunkMid(id, chunk.index));
      if (!r.ok) return r;
    }
    const d = await describe(f.bytes);
    refs.push({ id, name: f.name, mediaType: f.mediaType, ...d, ...(f.thumb ? { thumb: f.thumb } : {}) });
  }
  return model.send("user.message", refs.length > 0 ? { text, attachments: refs } : { text });
}
