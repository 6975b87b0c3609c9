import { z } from "zod";

/** A message queued for sending, as kept in IndexedDB until the relay acknowledges it. */
export const QueuedRow = z.object({
  mid: z.string(),
  room: z.string(),
  kind: z.string(),
  bodyJson: z.string(),
  /** Send order within the room. */
  order: z.number(),
  at: z.number(),
});
export type QueuedRow = z.infer<typeof QueuedRow>;
