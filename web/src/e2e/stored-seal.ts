import type { BodyContext } from "../../../shared/core/e2e/context.ts";
import { type Opened, openBody, sealBody } from "../../../shared/core/e2e/webcrypto.ts";
import type { Sealed } from "../../../shared/protocol/e2e.ts";
import { loadRoomKeys } from "./key-store.ts";

/**
 * Sealing and opening with the room keys in IndexedDB, for the service worker (docs/protocol.md
 * §12.8, §11.5), which has no open room: a push's `show`, a notification's answer.
 */

/** Seals with the newest generation this device holds for the room; null without one. */
export async function sealStored(ctx: BodyContext, body: unknown): Promise<Sealed | null> {
  const keys = await loadRoomKeys(ctx.room);
  const k = Math.max(0, ...keys.keys());
  const key = keys.get(k);
  return key ? sealBody(key, k, ctx, body) : null;
}

export async function openStored(ctx: BodyContext, body: unknown): Promise<Opened> {
  const keys = await loadRoomKeys(ctx.room);
  return openBody((k) => keys.get(k) ?? null, ctx, body);
}
